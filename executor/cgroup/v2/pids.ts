// v2 `pids` controller: same file names as v1.
export { applyPids as applyPidsV2, pidsOf as pidsOfV2 } from '../v1/pids.ts';
