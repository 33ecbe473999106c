// v2 `memory` controller. Swap is its own budget on v2 (memory.swap.max), while compose's
// memswap_limit is memory + swap as on v1: the difference is written, as runc does.
import type { MemoryResources } from '../types.ts';
import { TscError } from '../../../schema/errors.ts';
import { readKeyed, readNumber, writeValue } from '../files.ts';

export function swapMaxV2(m: MemoryResources): string | undefined {
  if (m.swap === undefined) return undefined;
  if (m.swap < 0) return 'max';
  if (m.limit === undefined) return undefined;
  return String(Math.max(0, m.swap - m.limit));
}

export function applyMemoryV2(dir: string, m: MemoryResources | undefined): void {
  if (!m) return;
  if (m.limit !== undefined) writeValue(dir, 'memory.max', m.limit, { hint: 'the limit may be below what the cgroup already uses' });
  const swap = swapMaxV2(m);
  // Without swap accounting the file is absent; that only matters when swap was asked to be limited below unlimited.
  if (swap !== undefined) writeValue(dir, 'memory.swap.max', swap, { optional: true });
  if (m.high !== undefined) writeValue(dir, 'memory.high', m.high);
  if (m.reservation !== undefined) writeValue(dir, 'memory.low', m.reservation);
  if (m.swappiness !== undefined) {
    throw new TscError('CGROUP_UNSUPPORTED', 'mem_swappiness cannot be applied on cgroup v2 (there is no per-cgroup swappiness)', {
      hint: 'remove mem_swappiness; memory.swap.max (memswap_limit) limits swap on v2',
    });
  }
  if (m.disableOOMKiller) {
    throw new TscError('CGROUP_UNSUPPORTED', 'oom_kill_disable cannot be applied on cgroup v2', { hint: 'remove oom_kill_disable' });
  }
}

export function memoryUsageV2(dir: string): { usage: number; limit: number | undefined } {
  return { usage: readNumber(dir, 'memory.current') ?? 0, limit: readNumber(dir, 'memory.max') };
}

export function oomKilledV2(dir: string): boolean {
  return (readKeyed(dir, 'memory.events').get('oom_kill') ?? 0) > 0;
}
