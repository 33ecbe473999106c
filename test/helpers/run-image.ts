// Runs a command in a container of an image from a store (the real runtime: overlay rootfs,
// cgroup, namespaces) and returns its output; removes everything it made. For tests that check
// what a built or pulled image holds "from inside".
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ImageInfo } from '../../executor/image/store.ts';
import { mountRootfs, removeRootfs } from '../../executor/rootfs/rootfs.ts';
import { buildSpec, launch, waitExit, waiterGone } from '../../executor/runtime/runtime.ts';
import { readContainerEtc } from '../../executor/runtime/etc-files.ts';
import { detectCgroupDriver } from '../../executor/cgroup/driver.ts';
import type { Service } from '../../executor/../schema/model.ts';

export interface RunResult { code: number; stdout: string[]; stderr: string[] }

/** `argv` (or the image's own entrypoint/cmd when undefined) in a fresh container of `image`. */
export async function runImage(image: ImageInfo, o: { dir: string; project: string; argv?: string[]; user?: string }): Promise<RunResult> {
  const id = randomBytes(32).toString('hex');
  const dir = join(o.dir, `run-${id.slice(0, 12)}`);
  const driver = detectCgroupDriver();
  const h = driver.create(o.project, id, {} as never);
  try {
    const { merged } = await mountRootfs({ containerDir: dir, layerDirs: image.layerDirs, initFiles: { '/etc/hosts': '127.0.0.1 localhost\n', '/etc/hostname': 'test\n', '/etc/resolv.conf': '' } });
    const service = {
      image: image.ref, environment: {}, labels: {}, depends_on: {}, network_mode: 'none',
      ...(o.argv ? { command: o.argv } : {}), ...(o.user ? { user: o.user } : {}),
    } as Service;
    const spec = buildSpec({ id, name: 'image-test', service, image: image.config, rootfs: merged,
      etc: { passwd: readContainerEtc(merged, 'passwd'), group: readContainerEtc(merged, 'group') } });
    await launch({ id, name: 'image-test', spec, containerDir: dir, cgroupProcs: driver.procsFiles(h) });
    const exit = await waitExit(dir);
    await waiterGone(dir);
    const log = readFileSync(join(dir, 'log'), 'utf8').split('\n').filter(Boolean);
    const pick = (s: string) => log.filter((l) => l.split(' ')[1] === s).map((l) => l.split(' ').slice(3).join(' '));
    return { code: exit.code, stdout: pick('stdout'), stderr: pick('stderr') };
  } finally {
    await driver.killAll(h);
    await waiterGone(dir);
    await driver.remove(h);
    await removeRootfs(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
