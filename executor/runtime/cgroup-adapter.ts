// What the launch needs from a created cgroup, in the helper's terms: the file with the
// `oom_kill N` counter for exit.json (v1 memory.oom_control, v2 memory.events). The cgroup
// driver answers oomKilled() itself; the waiter needs a path because it outlives us.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupHandle } from '../cgroup/types.ts';

export function oomFileOf(h: CgroupHandle): string | undefined {
  const dirs = Object.entries(h.dirs);
  const v1 = dirs.find(([k]) => k === 'memory' || k.split(',').includes('memory'));
  if (v1 && existsSync(join(v1[1], 'memory.oom_control'))) return join(v1[1], 'memory.oom_control');
  for (const [, d] of dirs) if (existsSync(join(d, 'memory.events'))) return join(d, 'memory.events');
  return undefined;
}

/** The same, found from the cgroup.procs files alone (launch's default when no oomFile is given). */
export function oomFileFromProcs(procsFiles: string[]): string | undefined {
  for (const f of procsFiles) {
    const dir = dirname(f);
    if (existsSync(join(dir, 'memory.oom_control'))) return join(dir, 'memory.oom_control');
  }
  for (const f of procsFiles) {
    const dir = dirname(f);
    if (existsSync(join(dir, 'memory.events'))) return join(dir, 'memory.events');
  }
  return undefined;
}
