// v1 `cpuset` controller. A new v1 cpuset cgroup starts with empty cpuset.cpus/mems, and the
// kernel refuses to attach a task to it (ENOSPC) until both are filled: copy them from the
// parent at every level we create, before any task can join, then narrow the leaf if asked.
import { dirname } from 'node:path';
import type { CpuResources } from '../types.ts';
import { readValue, writeValue } from '../files.ts';

export function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readValue(dir, file) ?? '') !== '') continue;
    const parent = readValue(dirname(dir), file) ?? '';
    writeValue(dir, file, parent);
  }
}

export function applyCpuset(dir: string, cpu: CpuResources | undefined): void {
  if (cpu?.cpus !== undefined) writeValue(dir, 'cpuset.cpus', cpu.cpus, { hint: 'the CPUs must exist and be in the parent cpuset' });
  if (cpu?.mems !== undefined) writeValue(dir, 'cpuset.mems', cpu.mems);
}
