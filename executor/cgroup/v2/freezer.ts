// v2 freezing lives in the core (no controller needed): write cgroup.freeze, then wait for
// cgroup.events to say `frozen 1` (the kernel freezes tasks asynchronously).
import { SysError } from '../../../schema/errors.ts';
import { readKeyed, waitFor, writeValue } from '../files.ts';

export async function setFrozenV2(dir: string, frozen: boolean, timeoutMs = 5000): Promise<void> {
  writeValue(dir, 'cgroup.freeze', frozen ? 1 : 0);
  const want = frozen ? 1 : 0;
  if (!(await waitFor(() => readKeyed(dir, 'cgroup.events').get('frozen') === want, timeoutMs, 2))) {
    throw new SysError(frozen ? 'freeze' : 'thaw', 'ETIMEDOUT', dir);
  }
}
