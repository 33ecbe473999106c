// v2 `cpuset` controller: unlike v1, an empty cpuset.cpus means "inherit", so only the
// requested values are written.
import type { CpuResources } from '../types.ts';
import { writeValue } from '../files.ts';

export function applyCpusetV2(dir: string, cpu: CpuResources | undefined): void {
  if (cpu?.cpus !== undefined) writeValue(dir, 'cpuset.cpus', cpu.cpus, { hint: 'the CPUs must exist and be in the parent cpuset' });
  if (cpu?.mems !== undefined) writeValue(dir, 'cpuset.mems', cpu.mems);
}
