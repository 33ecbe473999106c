// `tscompose image import SRC NAME:TAG`: a root filesystem (a directory, or a tarball: plain,
// gzip or zstd) becomes a one-layer image. A directory is archived with node-tar (owners, modes,
// mtimes, symlinks and hard links kept); a tarball is stored as is and its diff ID is learnt by
// unpacking it once.
import { statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { create as tarCreate } from 'tar';
import type { ImageInfo, ImageStore } from './store.ts';
import { MT, type ImageConfigBlob, type OciImageConfig } from './oci.ts';
import { chainIds } from './digest.ts';
import { normalizeRef } from './ref.ts';
import { fileCompression } from './unpack.ts';
import { writeImage } from './manifest.ts';
import { ImageError } from './errors.ts';

export interface ImportOptions {
  /** Overrides for the image's run config (Cmd, Env, …); Env defaults to the usual PATH. */
  config?: OciImageConfig;
  /** Creation time in the config (fixed values make the image ID reproducible). */
  created?: string;
  message?: string;
  architecture?: string;
}

/**
 * Archives a directory as a layer. GNU tar when present: it keeps what node-tar's packer drops
 * (device nodes, FIFOs, xattrs such as file capabilities); node-tar otherwise.
 */
async function archiveDir(store: ImageStore, dir: string) {
  const gnu = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  if (gnu.status !== 0 || !/GNU tar/.test(gnu.stdout)) {
    return store.blobs.putStream(tarCreate({ cwd: dir, portable: false }, ['.']) as unknown as AsyncIterable<Buffer>);
  }
  const child = spawn('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
  const blob = await store.blobs.putStream(child.stdout);
  const code = await exited;
  if (code !== 0) {
    store.blobs.remove(blob.digest);
    throw new ImageError('IMPORT_SOURCE', `cannot archive ${dir}: ${stderr.trim().split('\n').pop() ?? `tar exited ${code}`}`);
  }
  return blob;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function importImage(store: ImageStore, src: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
  const key = normalizeRef(ref);
  let st;
  try { st = statSync(src); } catch (e) {
    throw new ImageError('IMPORT_SOURCE', `cannot import ${src}: ${(e as NodeJS.ErrnoException).code ?? e}`, { ref, cause: e });
  }
  const blob = st.isDirectory() ? await archiveDir(store, src) : await store.blobs.putFile(src);
  const blobFile = store.blobs.path(blob.digest);
  const compression = fileCompression(blobFile);
  const { dir, result } = await store.layers.unpackTemp(blobFile);
  const [chain] = chainIds([result.diffId]);
  store.layers.commit(dir, chain!, result.diffId, result);
  const created = opts.created ?? new Date().toISOString();
  const cfg: ImageConfigBlob = {
    created,
    architecture: opts.architecture ?? 'amd64',
    os: 'linux',
    config: { Env: [DEFAULT_PATH], ...opts.config },
    rootfs: { type: 'layers', diff_ids: [result.diffId] },
    history: [{ created, created_by: 'tscompose image import', ...(opts.message ? { comment: opts.message } : {}) }],
  };
  const mediaType = compression === 'gzip' ? MT.ociLayerGzip : compression === 'zstd' ? MT.ociLayerZstd : MT.ociLayer;
  const { manifestDigest } = writeImage(store, cfg, [{ mediaType, digest: blob.digest, size: blob.size }]);
  await store.refs.set(key, manifestDigest);
  return store.imageOf(manifestDigest, key);
}
