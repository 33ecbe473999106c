// cgroup.kill (Linux 5.14+): the kernel SIGKILLs every task atomically, forks included, so a
// fork bomb cannot outrun it the way it can outrun a read-procs-and-kill loop.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readKeyed, writeValue } from '../files.ts';

export function killViaCgroupKill(dir: string): boolean {
  if (!existsSync(join(dir, 'cgroup.kill'))) return false;
  writeValue(dir, 'cgroup.kill', 1);
  return true;
}

/** cgroup.events `populated`: whether any task is in the cgroup or below it. */
export function populatedV2(dir: string): boolean {
  return readKeyed(dir, 'cgroup.events').get('populated') === 1;
}
