// Liveness of a process we recorded: a pid alone can be reused after the process dies, so
// every pid we keep is paired with its start time (field 22 of /proc/<pid>/stat, in clock ticks
// since boot), and "alive" means the same pid with the same start time.
import { readFileSync } from 'node:fs';

export interface ProcReader {
  /** Start time of `pid` in clock ticks since boot, or undefined when no such process. */
  startTime(pid: number): number | undefined;
}

export const realProc: ProcReader = {
  startTime(pid) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie has exited; only its parent has not collected the status yet.
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return undefined;
      return parseStartTime(stat);
    } catch {
      return undefined;
    }
  },
};

/** Field 22 of a /proc/<pid>/stat line; the comm field (2) may contain spaces and ')', so count from the last ')'. */
export function parseStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); field 22 is fields[19].
  const v = Number(fields[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** The process recorded as (pid, start) is still the same live process (a zombie counts as gone). */
export function isAlive(proc: ProcReader, pid: number | undefined, start: number | undefined): boolean {
  if (!pid) return false;
  const now = proc.startTime(pid);
  if (now === undefined) return false;
  return start === undefined || now === start;
}
