// `tscompose image load -i FILE`: images from a `docker save` archive (manifest.json + config +
// layer tars, the legacy layout docker still writes beside the OCI one) or an OCI image layout
// archive (oci-layout, index.json, blobs/), plain or gzip. The archive is untrusted: node-tar
// extracts it (it refuses "..", absolute paths and writing through symlinks), and every blob's
// digest is recomputed before it enters the store.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, createReadStream } from 'node:fs';
import { join, normalize } from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar';
import type { ImageInfo, ImageStore } from './store.ts';
import { ImageError, digestMismatch } from './errors.ts';
import { isDigest } from './digest.ts';
import { normalizeRef } from './ref.ts';
import { fileCompression } from './unpack.ts';
import { MT, isIndex, type Descriptor, type ImageConfigBlob, type Index, type Manifest } from './oci.ts';
import { choosePlatform } from './platform.ts';

export interface LoadOptions {
  /** Name for images whose archive names only a tag (OCI layouts from skopeo/umoci) or nothing. */
  ref?: string;
  platform?: string;
}

interface DockerSaveEntry { Config: string; RepoTags?: string[] | null; Layers: string[] }

export async function loadArchive(store: ImageStore, file: string, opts: LoadOptions = {}): Promise<ImageInfo[]> {
  if (!existsSync(file)) throw new ImageError('LOAD_SOURCE', `cannot load ${file}: no such file`);
  const dir = store.blobs.tempPath('load');
  mkdirSync(dir, { recursive: true });
  try {
    try {
      await extract({ file, cwd: dir, strict: true, preserveOwner: false });
    } catch (e) {
      throw new ImageError('LOAD_SOURCE', `cannot read ${file} as a tar archive: ${(e as Error).message}`, { cause: e });
    }
    if (existsSync(join(dir, 'manifest.json'))) return await loadDockerSave(store, dir, opts);
    if (existsSync(join(dir, 'index.json'))) return await loadOciLayout(store, dir, opts);
    throw new ImageError('LOAD_SOURCE', `${file} is neither a docker save archive (manifest.json) nor an OCI layout (index.json)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Hashes `path` and moves it into the blob store (no copy); `expected` is checked when given. */
async function adoptFile(store: ImageStore, path: string, expected?: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), async function* (src: AsyncIterable<Buffer>) {
    for await (const c of src) h.update(c);
  });
  const digest = 'sha256:' + h.digest('hex');
  if (expected && digest !== expected) throw digestMismatch(`blob ${path}`, expected, digest);
  const size = statSync(path).size;
  store.blobs.adopt(path, digest);
  return { digest, size };
}

/** A path named inside the archive's manifest, kept inside the extracted dir. */
function inside(dir: string, rel: string): string {
  const n = normalize(rel);
  if (n.startsWith('..') || n.startsWith('/')) throw new ImageError('LOAD_SOURCE', `archive names a file outside itself: ${rel}`);
  return join(dir, n);
}

async function loadDockerSave(store: ImageStore, dir: string, opts: LoadOptions): Promise<ImageInfo[]> {
  const entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DockerSaveEntry[];
  const out: ImageInfo[] = [];
  for (const e of entries) {
    const cfgBytes = readFileSync(inside(dir, e.Config));
    const cfg = store.blobs.putBytes(cfgBytes);
    const config = JSON.parse(cfgBytes.toString('utf8')) as ImageConfigBlob;
    const layers: Descriptor[] = [];
    const seen = new Map<string, Descriptor>();
    for (const l of e.Layers) {
      let d = seen.get(l);
      if (!d) {
        const p = inside(dir, l);
        const compression = existsSync(p) ? fileCompression(p) : 'none';
        const mediaType = compression === 'gzip' ? MT.ociLayerGzip : compression === 'zstd' ? MT.ociLayerZstd : MT.ociLayer;
        // The same layer file may be listed by several images of one archive: adopt it once.
        const b = existsSync(p) ? await adoptFile(store, p) : findBlob(store, l);
        d = { mediaType, digest: b.digest, size: b.size };
        seen.set(l, d);
      }
      layers.push(d);
    }
    if (layers.length !== config.rootfs.diff_ids.length) {
      throw new ImageError('BAD_IMAGE', `archive image ${e.Config}: ${layers.length} layers but ${config.rootfs.diff_ids.length} diff IDs`);
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size }, layers };
    const m = store.blobs.putBytes(Buffer.from(JSON.stringify(manifest)));
    const tags = (e.RepoTags ?? []).map((t) => normalizeRef(t));
    if (tags.length === 0 && opts.ref) tags.push(normalizeRef(opts.ref));
    for (const t of tags) await store.refs.set(t, m.digest);
    out.push(await store.imageOf(m.digest, tags[0] ?? cfg.digest));
  }
  return out;
}

function findBlob(store: ImageStore, layerPath: string): { digest: string; size: number } {
  // Docker's save lists a layer once per archive and may reference the same path again; by now it is adopted.
  const m = /([a-f0-9]{64})/.exec(layerPath);
  const d = m ? `sha256:${m[1]}` : '';
  if (d && store.blobs.has(d)) return { digest: d, size: store.blobs.size(d) };
  throw new ImageError('LOAD_SOURCE', `archive lists layer ${layerPath} but does not contain it`);
}

async function loadOciLayout(store: ImageStore, dir: string, opts: LoadOptions): Promise<ImageInfo[]> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;
  const blobPath = (d: string) => {
    if (!isDigest(d)) throw new ImageError('BAD_DIGEST', `OCI layout names a bad digest ${d}`);
    return join(dir, 'blobs', 'sha256', d.slice(7));
  };
  const ensure = async (desc: Descriptor) => {
    if (store.blobs.has(desc.digest)) return;
    const p = blobPath(desc.digest);
    if (!existsSync(p)) throw new ImageError('LOAD_SOURCE', `OCI layout lacks blob ${desc.digest}`);
    await adoptFile(store, p, desc.digest);
  };
  const out: ImageInfo[] = [];
  for (const top of index.manifests) {
    let desc = top;
    await ensure(desc);
    if (isIndex(desc.mediaType)) {
      const inner = store.blobs.readJson<Index>(desc.digest);
      desc = choosePlatform(inner.manifests, opts.platform);
      await ensure(desc);
    }
    const manifest = store.blobs.readJson<Manifest>(desc.digest);
    await ensure(manifest.config);
    for (const l of manifest.layers) await ensure(l);
    const name = top.annotations?.['io.containerd.image.name'] ?? top.annotations?.['org.opencontainers.image.ref.name'];
    let ref: string | undefined;
    if (name && (name.includes('/') || name.includes(':'))) ref = normalizeRef(name);
    else if (opts.ref) ref = normalizeRef(name && !opts.ref.includes(':') ? `${opts.ref}:${name}` : opts.ref);
    else if (name) ref = normalizeRef(name); // a bare tag ("latest") read as docker reads a name
    if (ref) await store.refs.set(ref, desc.digest);
    out.push(await store.imageOf(desc.digest, ref ?? manifest.config.digest));
  }
  return out;
}
