// v1 `cpuacct` controller: CPU time used by the cgroup, in nanoseconds.
import { readNumber } from '../files.ts';

export function cpuUsageNs(dir: string | undefined): number {
  return dir ? readNumber(dir, 'cpuacct.usage') ?? 0 : 0;
}
