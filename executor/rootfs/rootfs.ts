// A container's root filesystem (docs/contracts.md): overlay of
//   lowerdir = <containerDir>/init, then the image layers top → bottom
//   upperdir = <containerDir>/upper, workdir = <containerDir>/work, mounted at <containerDir>/merged
// The mount is made in the host mount namespace through koffi (no `mount` spawn), so watch mode can
// write into the merged view. `rootfs.json` records the layers before mounting, so `image prune`
// keeps what a container uses and `down` can find everything even after a crash.
import { mkdirSync, rmSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { umount2, MNT_DETACH } from '../sys/mount.ts';
import { SysError } from '../../schema/errors.ts';
import { writeInitLayer } from './init-layer.ts';
import { isMountPoint } from './mountinfo.ts';
import { mountOverlay, type OverlayStrategy } from './overlay.ts';

export interface MountRootfsOptions {
  containerDir: string;
  /** Image layer dirs, bottom → top (ImageInfo.layerDirs). */
  layerDirs: string[];
  /** Files of the init layer: absolute path in the container → content (/etc/hosts, …). */
  initFiles: Record<string, string>;
  /** Directories to stub in the init layer (volume and bind targets), besides /proc, /sys, /dev. */
  mountPoints?: string[];
  /** Files to stub (bind-mounted file targets) where the image has nothing at that path. */
  fileMountPoints?: string[];
  /** For tests: force one way of passing the layer list (executor/rootfs/overlay.ts). */
  strategy?: OverlayStrategy;
}

export const rootfsPaths = (containerDir: string) => ({
  upper: join(containerDir, 'upper'),
  work: join(containerDir, 'work'),
  merged: join(containerDir, 'merged'),
  init: join(containerDir, 'init'),
  record: join(containerDir, 'rootfs.json'),
  links: join(containerDir, 'l'),
});

export async function mountRootfs(o: MountRootfsOptions): Promise<{ merged: string; strategy: OverlayStrategy | 'already' }> {
  const p = rootfsPaths(o.containerDir);
  if (isMountPoint(p.merged)) return { merged: p.merged, strategy: 'already' };
  for (const d of [p.upper, p.work, p.merged]) mkdirSync(d, { recursive: true, mode: 0o755 });
  const topFirst = [...o.layerDirs].reverse();
  writeInitLayer(p.init, topFirst, o.initFiles, o.mountPoints ?? [], o.fileMountPoints ?? []);
  const tmp = `${p.record}.tmp`;
  writeFileSync(tmp, JSON.stringify({ layerDirs: o.layerDirs }) + '\n');
  renameSync(tmp, p.record);
  const strategy = mountOverlay({ lowers: [p.init, ...topFirst], upper: p.upper, work: p.work, target: p.merged }, o.strategy, p.links);
  return { merged: p.merged, strategy };
}

/** Unmounts the container's rootfs; a no-op when it is not mounted. Keeps upper/ (the container's changes). */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const merged = rootfsPaths(containerDir).merged;
  for (let i = 0; i < 8 && existsSync(merged); i++) {
    try {
      umount2(merged, 0);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
      if (e.errno === 'EINVAL' || e.errno === 'ENOENT') return; // not (or no longer) a mount point
      if (e.errno !== 'EBUSY') throw e;
      // Something still has it open (a lingering process cwd): detach now, the kernel frees it later.
      umount2(merged, MNT_DETACH);
    }
  }
}

/** Unmounts and deletes the rootfs dirs (upper, work, merged, init, rootfs.json). Idempotent. */
export async function removeRootfs(containerDir: string): Promise<void> {
  await unmountRootfs(containerDir);
  const p = rootfsPaths(containerDir);
  // Deleting through a still-mounted merged view would delete the image's layers' copies-up and
  // worse; never recurse into a mount point.
  if (isMountPoint(p.merged)) throw new SysError('umount', 'EBUSY', p.merged, { hint: 'the rootfs is still mounted' });
  for (const d of [p.merged, p.upper, p.work, p.init, p.links, p.record]) rmSync(d, { recursive: true, force: true });
}
