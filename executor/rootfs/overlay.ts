// Overlay mount options, and how they reach the kernel. mount(2) passes all options in one page
// (4 KiB), so ~40 layers at our path lengths overflow it. Three ways, chosen in this order:
//  1. `mount2`: one mount(2) call with absolute paths when the options fit (fastest, any kernel).
//  2. `fsconfig`: the new mount API with one "lowerdir+" per layer (Linux >= 6.8), absolute paths.
//  3. `chdir`: a dir of short symlinks (`l/0`, `l/1`, …) next to the container, mount(2) with
//     relative paths after a chdir into it (docker's overlay2 trick; works on any kernel). The
//     chdir is process-wide, so it is held only for the one synchronous mount call.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { mount, mountFs, hasNewMountApi } from '../sys/mount.ts';
import { SysError } from '../../schema/errors.ts';

export type OverlayStrategy = 'mount2' | 'fsconfig' | 'chdir';

export interface OverlaySpec { lowers: string[] /* top first */; upper: string; work: string; target: string }

/** Conservative: the page is 4096 bytes including the NUL; keep room for the kernel's own flags. */
export const MOUNT_DATA_MAX = 4000;

export function overlayData(s: Pick<OverlaySpec, 'lowers' | 'upper' | 'work'>): string {
  for (const p of [...s.lowers, s.upper, s.work]) {
    // ':' separates lower dirs and ',' separates options; overlay's escaping is not worth the risk.
    if (/[:,\\]/.test(p)) throw new SysError('mount overlay', 'EINVAL', p, { hint: 'overlay paths must not contain ":" "," or "\\"' });
  }
  return `lowerdir=${s.lowers.join(':')},upperdir=${s.upper},workdir=${s.work}`;
}

export function chooseStrategy(s: OverlaySpec, newApi = hasNewMountApi()): OverlayStrategy {
  if (overlayData(s).length <= MOUNT_DATA_MAX) return 'mount2';
  return newApi ? 'fsconfig' : 'chdir';
}

export function mountOverlay(s: OverlaySpec, strategy: OverlayStrategy = chooseStrategy(s), linkDir?: string): OverlayStrategy {
  if (strategy === 'mount2') {
    mount('overlay', s.target, 'overlay', 0, overlayData(s));
    return strategy;
  }
  if (strategy === 'fsconfig') {
    try {
      mountFs('overlay', s.target, [
        ...s.lowers.map((l) => ({ key: 'lowerdir+', value: l })),
        { key: 'upperdir', value: s.upper },
        { key: 'workdir', value: s.work },
      ]);
      return strategy;
    } catch (e) {
      // Kernels 5.2–6.7 have fsconfig but not "lowerdir+": fall through to the portable way.
      if (!(e instanceof SysError) || e.errno !== 'EINVAL' || !linkDir) throw e;
    }
  }
  if (!linkDir) throw new SysError('mount overlay', 'E2BIG', s.target, { hint: 'too many layers for one mount data page' });
  rmSync(linkDir, { recursive: true, force: true });
  mkdirSync(linkDir, { recursive: true });
  const names = s.lowers.map((l, i) => {
    const n = i.toString(36);
    symlinkSync(l, join(linkDir, n));
    return n;
  });
  const data = `lowerdir=${names.join(':')},upperdir=${s.upper},workdir=${s.work}`;
  if (data.length > MOUNT_DATA_MAX) throw new SysError('mount overlay', 'E2BIG', s.target, { hint: `${s.lowers.length} layers do not fit one mount page` });
  const cwd = process.cwd();
  process.chdir(linkDir);
  try {
    mount('overlay', s.target, 'overlay', 0, data);
  } finally {
    process.chdir(cwd);
  }
  // The kernel resolved the symlinks at mount time; they are not needed while mounted.
  rmSync(linkDir, { recursive: true, force: true });
  return 'chdir';
}
