// A rootfs for a step that changes files without running anything (COPY, ADD) or that only reads
// (the source side of COPY --from): an overlay of the parent's layers in a temp dir of the image
// store, mounted in the host mount namespace. `fn` gets the merged dir; the upper dir is the step's
// layer. Unmounted on every path out; the dir is removed by `dispose()` (or at once on failure).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ImageStore } from '../image/store.ts';
import { mountRootfs, removeRootfs, rootfsPaths, unmountRootfs } from '../rootfs/rootfs.ts';

export async function withRootfs(store: ImageStore, layerDirs: string[], fn: (merged: string) => Promise<void>):
  Promise<{ upperDir: string; dispose(): Promise<void> }> {
  const dir = join(store.root, 'tmp', `build-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const dispose = async () => {
    await removeRootfs(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { merged } = await mountRootfs({ containerDir: dir, layerDirs, initFiles: {} });
    try {
      await fn(merged);
    } finally {
      await unmountRootfs(dir);
    }
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
  return { upperDir: rootfsPaths(dir).upper, dispose };
}
