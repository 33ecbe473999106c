// v1 `memory` controller: hard limit, memory+swap (only where the kernel accounts swap),
// soft limit for reservations, swappiness, OOM killer switch; usage and OOM kills back.
import type { MemoryResources } from '../types.ts';
import { readKeyed, readNumber, writeValue } from '../files.ts';

export function applyMemory(dir: string, m: MemoryResources | undefined): void {
  if (!m) return;
  // The limit goes before memsw: memsw must never be below the limit, and both start unlimited.
  if (m.limit !== undefined) writeValue(dir, 'memory.limit_in_bytes', m.limit, { hint: 'the limit may be below what the cgroup already uses' });
  if (m.swap !== undefined) writeValue(dir, 'memory.memsw.limit_in_bytes', m.swap, { optional: true });
  if (m.reservation !== undefined) writeValue(dir, 'memory.soft_limit_in_bytes', m.reservation);
  if (m.swappiness !== undefined) writeValue(dir, 'memory.swappiness', m.swappiness);
  if (m.disableOOMKiller) writeValue(dir, 'memory.oom_control', 1);
}

export function memoryUsage(dir: string | undefined): { usage: number; limit: number | undefined } {
  if (!dir) return { usage: 0, limit: undefined };
  return { usage: readNumber(dir, 'memory.usage_in_bytes') ?? 0, limit: readNumber(dir, 'memory.limit_in_bytes') };
}

/** Kernels since 4.13 count kills in memory.oom_control (`oom_kill N`); older ones only failcnt. */
export function oomKilledV1(dir: string | undefined): boolean {
  if (!dir) return false;
  const ctl = readKeyed(dir, 'memory.oom_control');
  const kills = ctl.get('oom_kill');
  if (kills !== undefined) return kills > 0;
  return (readNumber(dir, 'memory.failcnt') ?? 0) > 0 && ctl.get('under_oom') === 1;
}
