// Pull: resolve the reference to a manifest (choosing linux/amd64 or the asked platform from an
// index), fetch the config, download missing layers in parallel while each finished layer is
// already unpacking, verify every digest, and tag last: a ref only ever points at a complete image.
import pLimit from 'p-limit';
import type { ImageInfo, ImageStore } from './store.ts';
import { ImageError, digestMismatch } from './errors.ts';
import { canonical, parseRef } from './ref.ts';
import { sha256, chainIds } from './digest.ts';
import { isIndex, MT, type ImageConfigBlob, type Index, type Manifest } from './oci.ts';
import { choosePlatform } from './platform.ts';
import { MANIFEST_ACCEPT, readBody, RegistryClient, type RegistryOptions } from './registry.ts';
import { downloadBlob } from './download.ts';

export interface PullProgress {
  ref: string;
  /** Layer (blob) digest. */
  layer: string;
  status: 'exists' | 'downloading' | 'downloaded' | 'unpacked';
  done: number;
  total: number;
}

export interface PullOptions extends RegistryOptions {
  /** `os/arch[/variant]`, default linux/amd64. */
  platform?: string;
  onProgress?: (p: PullProgress) => void;
  /** Parallel layer downloads (default 3, as docker). */
  concurrency?: number;
  /** Pause before retrying an interrupted download (default 500 ms, growing per attempt). */
  retryDelayMs?: number;
}

const MANIFEST_LIMIT = 4 * 1024 * 1024;

export async function pullImage(store: ImageStore, input: string, opts: PullOptions = {}): Promise<ImageInfo> {
  const ref = parseRef(input);
  const key = canonical(ref);
  const client = new RegistryClient(ref.domain, opts);
  const repo = ref.path;
  const wrap = (e: unknown): never => {
    if (e instanceof ImageError) {
      if (e.code === 'NOT_FOUND') throw new ImageError('IMAGE_NOT_FOUND', `${key}: not found in ${ref.domain} (${e.message})`, { ref: key, cause: e });
      if (e.message.includes(key)) throw e;
      const hint = e.hint ?? (e.code === 'REGISTRY_UNREACHABLE' ? 'check the registry address and the network; a plain-HTTP registry needs --insecure-registry' : undefined);
      throw new ImageError(e.code, `pull ${key}: ${e.message}`, { ref: key, cause: e, ...(hint ? { hint } : {}) });
    }
    throw new ImageError('PULL', `pull ${key}: ${(e as Error).message}`, { ref: key, cause: e });
  };

  try {
    // 1. manifest (or index → the platform's manifest)
    let { digest, body, mediaType } = await fetchManifest(client, repo, ref.digest ?? ref.tag ?? 'latest', ref.digest);
    if (isIndex(mediaType)) {
      store.blobs.putBytes(body, digest);
      const idx = JSON.parse(body.toString('utf8')) as Index;
      const pick = choosePlatform(idx.manifests, opts.platform);
      ({ digest, body, mediaType } = await fetchManifest(client, repo, pick.digest, pick.digest));
    }
    const manifest = JSON.parse(body.toString('utf8')) as Manifest & { schemaVersion: number };
    if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) {
      throw new ImageError('UNSUPPORTED_MANIFEST', `${key}: manifest ${mediaType || 'of unknown type'} is not a v2 image manifest`, {
        ref: key, hint: 'Docker schema 1 images are not supported; re-push the image with a current tool',
      });
    }

    // 2. config
    if (!store.blobs.has(manifest.config.digest)) {
      const res = await client.get(repo, `blobs/${manifest.config.digest}`);
      store.blobs.putBytes(await readBody(res, MANIFEST_LIMIT), manifest.config.digest);
    } else {
      store.blobs.keep(manifest.config.digest);
    }
    const cfg = store.blobs.readJson<ImageConfigBlob>(manifest.config.digest);
    const diffIds = cfg.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new ImageError('BAD_IMAGE', `${key}: ${manifest.layers.length} layers but ${diffIds.length} diff IDs in the config`, { ref: key });
    }
    const chains = chainIds(diffIds);

    // 3. layers: download what is missing, unpack each as soon as it is here
    const limit = pLimit(opts.concurrency ?? 3);
    // One unpack at a time: unpacking is CPU and disk bound on this thread, and parallel unpacks
    // starved the still-running downloads without finishing sooner (measured in bench/pull).
    const unpackOne = pLimit(1);
    const progress = (p: Omit<PullProgress, 'ref'>) => opts.onProgress?.({ ref: key, ...p });
    await Promise.all(manifest.layers.map(async (layer, i) => {
      if (layer.mediaType?.includes('foreign') || layer.mediaType?.includes('nondistributable')) {
        throw new ImageError('UNSUPPORTED_LAYER', `${key}: layer ${layer.digest} is non-distributable (${layer.mediaType})`, { ref: key });
      }
      if (!store.layers.has(chains[i]!)) {
        if (store.blobs.has(layer.digest)) {
          store.blobs.keep(layer.digest);
          progress({ layer: layer.digest, status: 'exists', done: layer.size, total: layer.size });
        } else {
          await limit(async () => {
            let done = 0;
            progress({ layer: layer.digest, status: 'downloading', done, total: layer.size });
            await downloadBlob(store, client, repo, layer, {
              onBytes: (n) => { done = n; progress({ layer: layer.digest, status: 'downloading', done, total: layer.size }); },
              ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
            });
            progress({ layer: layer.digest, status: 'downloaded', done, total: layer.size });
          });
        }
        await unpackOne(() => store.layers.ensure(chains[i]!, diffIds[i]!, store.blobs.path(layer.digest)));
      } else {
        progress({ layer: layer.digest, status: 'exists', done: layer.size, total: layer.size });
      }
      progress({ layer: layer.digest, status: 'unpacked', done: layer.size, total: layer.size });
    }));

    // 4. the manifest, then the ref: only now is the image complete
    store.blobs.putBytes(body, digest);
    await store.refs.set(key, digest);
    return await store.imageOf(digest, key);
  } catch (e) {
    return wrap(e);
  }
}

async function fetchManifest(client: RegistryClient, repo: string, reference: string, expected: string | undefined) {
  const res = await client.get(repo, `manifests/${reference}`, { accept: MANIFEST_ACCEPT });
  const body = await readBody(res, MANIFEST_LIMIT);
  const digest = sha256(body);
  if (expected && digest !== expected) throw digestMismatch(`manifest ${reference}`, expected, digest);
  const header = res.headers['docker-content-digest'];
  if (!expected && typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
    throw digestMismatch(`manifest ${reference}`, header, digest);
  }
  let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  try {
    const j = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown };
    if (j.mediaType) mediaType = j.mediaType;
    else if (Array.isArray(j.manifests)) mediaType = MT.ociIndex;
  } catch {
    throw new ImageError('BAD_MANIFEST', `manifest ${reference} is not JSON`);
  }
  return { digest, body, mediaType };
}
