// Leftovers of a build whose process died (kill -9, power loss): its step dirs under
// `<images>/tmp/build-<pid>-…` may still have a mounted overlay, and a RUN step's container may
// still run in its cgroup (its waiter outlives us by design). Before the next build the container
// is killed and its cgroup removed (step.json names them), then the dir is unmounted and removed,
// so `image prune` (which removes dead processes' tmp entries) never deletes through a mount.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unmountRootfs } from '../rootfs/rootfs.ts';
import { waiterGone } from '../runtime/runtime.ts';
import { detectCgroupDriver } from '../cgroup/driver.ts';
import { BUILD_NET, STEP_RECORD } from './run.ts';

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
      await endContainer(dir);
      await unmountRootfs(dir);
      rmSync(dir, { recursive: true, force: true });
      n++;
    } catch { /* still busy: the next build tries again */ }
  }
  return n;
}

async function endContainer(dir: string): Promise<void> {
  let rec: { project: string; id: string; network?: string };
  try { rec = JSON.parse(readFileSync(join(dir, STEP_RECORD), 'utf8')) as typeof rec; } catch { return; }
  const driver = detectCgroupDriver();
  const h = driver.handle(rec.project, rec.id);
  await driver.killAll(h);
  await waiterGone(dir);
  await driver.remove(h);
  if (rec.network === 'default') {
    // Its netns (and veth with it) and its hold on the build network (kept while others use it).
    const net = await import('../../netmgr/netmgr.ts');
    await net.detach(rec.id);
    net.removeNetns(rec.id);
    await net.removeNetwork(BUILD_NET, { project: 'tscompose' });
  }
}
