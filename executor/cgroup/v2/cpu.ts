// v2 `cpu` controller: cpu.max ("quota period" or "max period") and cpu.weight; usage from cpu.stat.
import type { CpuResources } from '../types.ts';
import { readKeyed, readValue, writeValue } from '../files.ts';
import { sharesToWeight } from '../weight.ts';

export function applyCpuV2(dir: string, cpu: CpuResources | undefined): void {
  if (!cpu) return;
  const weight = cpu.weight ?? (cpu.shares !== undefined ? sharesToWeight(cpu.shares) : undefined);
  if (weight !== undefined) writeValue(dir, 'cpu.weight', weight);
  if (cpu.quota !== undefined || cpu.period !== undefined) {
    // cpu.max holds both numbers; keep whichever half is not being set.
    const [curQuota = 'max', curPeriod = '100000'] = (readValue(dir, 'cpu.max') ?? '').split(/\s+/).filter(Boolean);
    const quota = cpu.quota === undefined ? curQuota : cpu.quota < 0 ? 'max' : String(cpu.quota);
    const period = cpu.period === undefined ? curPeriod : String(cpu.period);
    writeValue(dir, 'cpu.max', `${quota} ${period}`);
  }
}

export function cpuUsageNsV2(dir: string): number {
  return (readKeyed(dir, 'cpu.stat').get('usage_usec') ?? 0) * 1000;
}

/** cpu.max as CPUs, undefined for "max". */
export function cpuLimitV2(dir: string): number | undefined {
  const [quota, period] = (readValue(dir, 'cpu.max') ?? 'max').split(/\s+/);
  return quota && quota !== 'max' && Number(period) > 0 ? Number(quota) / Number(period) : undefined;
}
