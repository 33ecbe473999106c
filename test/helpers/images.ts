// Test images: built once per machine by scripts/build-test-images (cached under build/test-images),
// imported into a test's own store on demand. Importing is cheap (a 2 MB archive, ~400 entries) and
// the same archive always gives the same image ID, so parallel tests agree on digests.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ImageInfo, ImageStore } from '../../executor/image/store.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const testImagesDir = process.env.TSCOMPOSE_TEST_IMAGES ?? `${repo}build/test-images`;
export const BUSYBOX_REF = 'tscompose-test/busybox:latest';
export const DEBIAN_REF = 'tscompose-test/debian:bookworm';
/** Fixed creation time: the image ID depends only on the archive. */
const CREATED = '2000-01-01T00:00:00Z';

function ensureBuilt(file: string): string {
  if (!existsSync(file)) {
    // Only the busybox image is built lazily (a second); the Debian one is left to scripts/install.
    execFileSync(`${repo}scripts/build-test-images`, [], { stdio: 'pipe', env: { ...process.env, TSCOMPOSE_BUILD_DEBIAN: '0' } });
  }
  return file;
}

export function busyboxTar(): string {
  return ensureBuilt(`${testImagesDir}/busybox.tar`);
}

export function busyboxRootfsDir(): string {
  busyboxTar();
  return `${testImagesDir}/busybox/rootfs`;
}

const inflight = new WeakMap<ImageStore, Promise<ImageInfo>>();

/** `tscompose-test/busybox:latest` in `store` (imported once per store; cheap when present). */
export async function busyboxImage(store: ImageStore): Promise<ImageInfo> {
  const have = await store.resolve(BUSYBOX_REF);
  if (have) return have;
  let p = inflight.get(store);
  if (!p) {
    p = store.import(busyboxTar(), BUSYBOX_REF, { created: CREATED, config: { Cmd: ['sh'] } });
    inflight.set(store, p);
    p.finally(() => inflight.delete(store)).catch(() => {});
  }
  return p;
}

export const DEBIAN_MISSING = 'the Debian test image is not built (scripts/build-test-images builds it with debootstrap; see build/test-images/debian/debootstrap.log)';

/**
 * `tscompose-test/debian:bookworm` (debootstrap minbase), or undefined when scripts/build-test-images
 * could not build it here; tests then skip with DEBIAN_MISSING. Never built from a test (minutes).
 */
export async function debianImage(store: ImageStore): Promise<ImageInfo | undefined> {
  const have = await store.resolve(DEBIAN_REF);
  if (have) return have;
  const file = `${testImagesDir}/debian/rootfs.tar`;
  if (!existsSync(file)) return undefined;
  return store.import(file, DEBIAN_REF, { created: CREATED, config: { Cmd: ['bash'] } });
}

/**
 * An image of `n` tiny layers made in the store directly: layer i adds /layers/<i> and rewrites
 * /top, so the merged view shows every layer and which one is on top.
 */
export async function manyLayerImage(store: ImageStore, n: number, ref = `tscompose-test/layers${n}:latest`): Promise<ImageInfo> {
  const { craftTar } = await import('./tar-craft.ts');
  const { writeImage } = await import('../../executor/image/manifest.ts');
  const { normalizeRef } = await import('../../executor/image/ref.ts');
  const { MT } = await import('../../executor/image/oci.ts');
  const layers = [];
  const diffIds = [];
  for (let i = 0; i < n; i++) {
    const tar = craftTar([{ path: 'layers/' }, { path: `layers/${i}`, data: `${i}` }, { path: 'top', data: `${i}` }]);
    const b = store.blobs.putBytes(tar);
    layers.push({ mediaType: MT.ociLayer, digest: b.digest, size: b.size });
    diffIds.push(b.digest);
  }
  const { manifestDigest } = writeImage(store, {
    created: CREATED, architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds },
  }, layers);
  const key = normalizeRef(ref);
  await store.refs.set(key, manifestDigest);
  return store.imageOf(manifestDigest, key);
}

/**
 * An OCI image layout at `dir` holding the busybox rootfs as `tag`, made by umoci (a real tool).
 * With `secondLayer`, a second layer made by `umoci repack` adds /extra/hello.txt and deletes
 * /etc/group and /var (so it carries real whiteouts).
 */
export function umociLayout(dir: string, tag: string, opts: { secondLayer?: boolean } = {}): void {
  const run = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
  run('init', '--layout', dir);
  run('new', '--image', `${dir}:${tag}`);
  run('insert', '--image', `${dir}:${tag}`, busyboxRootfsDir(), '/');
  if (opts.secondLayer) {
    const bundle = `${dir}.bundle`;
    run('unpack', '--image', `${dir}:${tag}`, bundle);
    execFileSync('sh', ['-c', 'mkdir -p "$1/extra" && echo "second layer" > "$1/extra/hello.txt" && rm "$1/etc/group" && rm -r "$1/var"', 'sh', `${bundle}/rootfs`]);
    run('repack', '--image', `${dir}:${tag}`, bundle);
    execFileSync('rm', ['-rf', bundle]);
  }
  run('config', '--image', `${dir}:${tag}`, '--config.cmd', 'sh', '--config.env', 'FROM_UMOCI=1');
}
