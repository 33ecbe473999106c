// v1 `pids` controller: the task limit that contains fork bombs.
import { readNumber, writeValue } from '../files.ts';

export function applyPids(dir: string, pids: { limit: number } | undefined): void {
  if (pids) writeValue(dir, 'pids.max', pids.limit > 0 ? pids.limit : 'max');
}

export function pidsOf(dir: string | undefined): { current: number; limit: number | undefined } {
  if (!dir) return { current: 0, limit: undefined };
  return { current: readNumber(dir, 'pids.current') ?? 0, limit: readNumber(dir, 'pids.max') };
}
