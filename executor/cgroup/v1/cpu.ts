// v1 `cpu` controller: CFS bandwidth (quota/period) and proportional shares.
import type { CpuResources } from '../types.ts';
import { readNumber, writeValue } from '../files.ts';

export function applyCpu(dir: string, cpu: CpuResources | undefined): void {
  if (!cpu) return;
  if (cpu.shares !== undefined) writeValue(dir, 'cpu.shares', cpu.shares);
  // Period first: the kernel checks a quota against the period already in place.
  if (cpu.period !== undefined) writeValue(dir, 'cpu.cfs_period_us', cpu.period);
  if (cpu.quota !== undefined) writeValue(dir, 'cpu.cfs_quota_us', cpu.quota);
}

/** quota / period in CPUs, undefined when the quota is -1 (unlimited). */
export function cpuLimitV1(dir: string | undefined): number | undefined {
  if (!dir) return undefined;
  const quota = readNumber(dir, 'cpu.cfs_quota_us');
  const period = readNumber(dir, 'cpu.cfs_period_us');
  return quota !== undefined && quota > 0 && period ? quota / period : undefined;
}
