// Leftovers of a build whose process died (kill -9, power loss): its step dirs under
// `<images>/tmp/build-<pid>-…` may still have a mounted overlay. They are unmounted and removed
// before the next build, so `image prune` (which removes dead processes' tmp entries) never has
// to delete through a mount.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unmountRootfs } from '../rootfs/rootfs.ts';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export async function sweepStaleBuilds(imagesRoot: string): Promise<number> {
  const tmp = join(imagesRoot, 'tmp');
  let names: string[];
  try { names = readdirSync(tmp); } catch { return 0; }
  let n = 0;
  for (const name of names) {
    const m = /^build-(?:add-|heredoc-)?(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const dir = join(tmp, name);
    try {
      await unmountRootfs(dir);
      rmSync(dir, { recursive: true, force: true });
      n++;
    } catch { /* still busy: the next build tries again */ }
  }
  return n;
}
