// The image store API (docs/contracts.md "executor/image/"). Layout under `root` (paths.images()):
//   blobs/sha256/<hex>   manifests, configs, layer archives (content-addressed, verified on write)
//   refs.json, refs.lock canonical reference → manifest digest (flock for writers)
//   layers/<chain hex>/  unpacked layers, each an overlay lower dir, shared by every image and container
//   tmp/                 partial downloads and unpacks (same file system, renamed into place)
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { paths } from '../state/paths.ts';
import { BlobStore } from './blobs.ts';
import { RefIndex } from './refs.ts';
import { LayerStore } from './layers.ts';
import { chainIds, isDigest } from './digest.ts';
import { ImageError, imageNotFound } from './errors.ts';
import { normalizeRef } from './ref.ts';
import type { ImageConfigBlob, Manifest, OciImageConfig } from './oci.ts';
import type { ImportOptions } from './import.ts';
import type { LoadOptions } from './load.ts';
import type { PullOptions } from './pull.ts';
import { beginLease, oldestLiveLease } from './lease.ts';

export type { OciImageConfig } from './oci.ts';
export type { PullOptions, PullProgress } from './pull.ts';
export type { ImportOptions } from './import.ts';
export type { LoadOptions } from './load.ts';

export interface ImageInfo {
  /** Canonical reference (`docker.io/library/redis:latest`), or the id when resolved by id. */
  ref: string;
  /** Config digest: the image ID. */
  id: string;
  /** Manifest digest. */
  digest: string;
  config: OciImageConfig;
  /** Unpacked layer dirs, bottom → top. */
  layerDirs: string[];
  os: string;
  architecture: string;
  created: string | undefined;
}

export interface ImageSummary { refs: string[]; id: string; digest: string; created: string | undefined; size: number }

export type PullPolicy = 'always' | 'missing' | 'never';

export interface ImageStore {
  readonly root: string;
  resolve(ref: string): Promise<ImageInfo | undefined>;
  pull(ref: string, opts?: PullOptions): Promise<ImageInfo>;
  ensure(ref: string, policy: PullPolicy, opts?: PullOptions): Promise<ImageInfo>;
  /** `docker save` or OCI archive (tar, tar.gz); returns the images it tagged. */
  load(file: string, opts?: LoadOptions): Promise<ImageInfo[]>;
  /** A root filesystem (dir or tarball, any compression) as a one-layer image. */
  import(src: string, ref: string, opts?: ImportOptions): Promise<ImageInfo>;
  list(): Promise<ImageSummary[]>;
  /** Untags `ref` (or every ref of an image id); the image's data goes when nothing refers to it. */
  remove(ref: string, opts?: { force?: boolean }): Promise<string[]>;
  /** Removes blobs and layers no image and no container uses; returns bytes freed. */
  prune(): Promise<{ blobs: number; layers: number; bytes: number }>;
  /** Internal parts, for load/pull/import and tests. */
  readonly blobs: BlobStore;
  readonly refs: RefIndex;
  readonly layers: LayerStore;
  /** The image behind a manifest digest already in the store (unpacking missing layers). */
  imageOf(manifestDigest: string, ref: string): Promise<ImageInfo>;
}

export function openImageStore(root: string = paths.images(), opts: { containersDir?: string } = {}): ImageStore {
  return new Store(root, opts.containersDir ?? join(dirname(root), 'containers'));
}

class Store implements ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly refs: RefIndex;
  readonly layers: LayerStore;
  private containersDir: string;

  constructor(root: string, containersDir: string) {
    this.root = root;
    this.blobs = new BlobStore(root);
    this.refs = new RefIndex(root);
    this.layers = new LayerStore(root);
    this.containersDir = containersDir;
  }

  async resolve(ref: string): Promise<ImageInfo | undefined> {
    const hit = this.lookup(ref);
    return hit ? this.imageOf(hit.digest, hit.ref) : undefined;
  }

  /** A ref, an image id (`sha256:…`, or ≥ 12 hex chars of it) → its manifest digest. */
  private lookup(ref: string): { ref: string; digest: string } | undefined {
    const all = this.refs.all();
    const idLike = /^(sha256:)?[a-f0-9]{12,64}$/.test(ref);
    if (!idLike || ref.length < 64) {
      try {
        const key = normalizeRef(ref);
        const e = all[key];
        if (e) return { ref: key, digest: e.digest };
      } catch (e) {
        if (!idLike) throw e;
      }
    }
    if (idLike) {
      const want = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
      for (const [r, e] of Object.entries(all)) {
        const id = this.configDigestOf(e.digest);
        if (id.startsWith(want) || e.digest.startsWith(want)) return { ref: isDigest(want) ? want : r, digest: e.digest };
      }
    }
    return undefined;
  }

  private configDigestOf(manifestDigest: string): string {
    try { return this.blobs.readJson<Manifest>(manifestDigest).config.digest; } catch { return ''; }
  }

  async imageOf(manifestDigest: string, ref: string): Promise<ImageInfo> {
    const manifest = this.blobs.readJson<Manifest>(manifestDigest);
    const cfg = this.blobs.readJson<ImageConfigBlob>(manifest.config.digest);
    const diffIds = cfg.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new ImageError('BAD_IMAGE', `image ${ref}: config lists ${diffIds.length} layers, manifest ${manifest.layers.length}`, { ref });
    }
    const chains = chainIds(diffIds);
    const layerDirs = await Promise.all(chains.map((c, i) =>
      this.layers.ensure(c, diffIds[i]!, this.blobs.path(manifest.layers[i]!.digest))));
    return {
      ref, id: manifest.config.digest, digest: manifestDigest, config: cfg.config ?? {}, layerDirs,
      os: cfg.os, architecture: cfg.architecture, created: cfg.created,
    };
  }

  async pull(ref: string, opts: PullOptions = {}): Promise<ImageInfo> {
    // pull, load and import are loaded on first use: the supervisor only resolves local images
    // (`ensure`) and would otherwise keep http, tls, tar and zlib in memory for the stack's life.
    const { pullImage } = await import('./pull.ts');
    return this.leased(() => pullImage(this, ref, opts));
  }

  async ensure(ref: string, policy: PullPolicy, opts: PullOptions = {}): Promise<ImageInfo> {
    if (policy !== 'always') {
      const have = await this.resolve(ref);
      if (have) return have;
      if (policy === 'never') throw imageNotFound(ref);
    }
    return this.pull(ref, opts);
  }

  async load(file: string, opts: LoadOptions = {}): Promise<ImageInfo[]> {
    const { loadArchive } = await import('./load.ts');
    return this.leased(() => loadArchive(this, file, opts));
  }

  async import(src: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
    const { importImage } = await import('./import.ts');
    return this.leased(() => importImage(this, src, ref, opts));
  }

  private async leased<T>(fn: () => Promise<T>): Promise<T> {
    const release = beginLease(this.root);
    try { return await fn(); } finally { release(); }
  }

  async list(): Promise<ImageSummary[]> {
    const byDigest = new Map<string, ImageSummary>();
    for (const [ref, e] of Object.entries(this.refs.all())) {
      let s = byDigest.get(e.digest);
      if (!s) {
        try {
          const m = this.blobs.readJson<Manifest>(e.digest);
          const cfg = this.blobs.readJson<ImageConfigBlob>(m.config.digest);
          const size = m.layers.reduce((n, l) => n + l.size, 0);
          s = { refs: [], id: m.config.digest, digest: e.digest, created: cfg.created, size };
        } catch {
          continue; // a ref whose blobs are gone is skipped here and cleaned by `remove`/`prune`
        }
        byDigest.set(e.digest, s);
      }
      s.refs.push(ref);
    }
    return [...byDigest.values()];
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    const hit = this.lookup(ref);
    if (!hit) throw imageNotFound(ref);
    const byId = !hit.ref.includes('/') || isDigest(hit.ref);
    const removed = await this.refs.update((refs) => {
      const goes = Object.entries(refs).filter(([r, e]) => (byId ? e.digest === hit.digest : r === hit.ref)).map(([r]) => r);
      const lastTag = Object.entries(refs).every(([r, e]) => e.digest !== hit.digest || goes.includes(r));
      // As docker: the last tag of an image a container was created from stays unless forced.
      if (lastTag && !opts.force) {
        const users = this.containersUsing(hit.digest);
        if (users.length) {
          throw new ImageError('IMAGE_IN_USE', `image ${ref} is used by container ${users.slice(0, 3).join(', ')}${users.length > 3 ? ', …' : ''}`, {
            ref, hint: 'remove the container first, or use --force (its layers stay until the container is gone)',
          });
        }
      }
      for (const r of goes) delete refs[r];
      return goes;
    });
    const stillTagged = Object.values(this.refs.all()).some((e) => e.digest === hit.digest);
    if (!stillTagged) await this.collect();
    return removed;
  }

  async prune(): Promise<{ blobs: number; layers: number; bytes: number }> {
    return this.collect();
  }

  /** Garbage collection under the refs lock: keep what a ref or a container reaches, drop the rest. */
  private async collect(): Promise<{ blobs: number; layers: number; bytes: number }> {
    return this.refs.withLock(() => {
      // Objects first, leases second (executor/image/lease.ts explains the order).
      const blobList = this.blobs.list().map((d) => ({ d, ctime: ctimeOf(this.blobs.path(d)) }));
      const layerList = this.layers.list().map((c) => ({ c, ctime: ctimeOf(this.layers.path(c)) }));
      const leaseStart = oldestLiveLease(this.root, isAlive);
      const leased = (ctime: number) => leaseStart !== undefined && ctime >= leaseStart;
      const keepBlobs = new Set<string>();
      const keepLayers = new Set<string>();
      for (const e of Object.values(this.refs.all())) {
        keepBlobs.add(e.digest);
        try {
          const m = this.blobs.readJson<Manifest>(e.digest);
          keepBlobs.add(m.config.digest);
          for (const l of m.layers) keepBlobs.add(l.digest);
          const cfg = this.blobs.readJson<ImageConfigBlob>(m.config.digest);
          for (const c of chainIds(cfg.rootfs.diff_ids)) keepLayers.add(this.layers.path(c));
        } catch { /* incomplete image: its parts are not kept by it */ }
      }
      for (const d of this.layersUsedByContainers()) keepLayers.add(d);
      let blobs = 0, layers = 0, bytes = 0;
      for (const { d: b, ctime } of blobList) {
        if (keepBlobs.has(b) || leased(ctime)) continue;
        try { bytes += this.blobs.size(b); } catch { /* gone */ }
        this.blobs.remove(b);
        blobs++;
      }
      for (const { c, ctime } of layerList) {
        if (keepLayers.has(this.layers.path(c)) || leased(ctime)) continue;
        this.layers.remove(c);
        layers++;
      }
      // Leftovers of crashed unpacks/downloads (by pid: never another live process's work), and
      // download partials only while no operation is in flight (they are resumed by the next pull).
      for (const n of readdirSync(this.layers.tmp)) {
        if (leaseStart !== undefined && n.startsWith('partial-')) continue;
        const pid = Number(/-(\d+)-/.exec(n)?.[1]);
        if (pid && pid !== process.pid && isAlive(pid)) continue;
        if (pid === process.pid) continue;
        rmSync(join(this.layers.tmp, n), { recursive: true, force: true });
      }
      return { blobs, layers, bytes };
    });
  }

  /** Layer dirs recorded by mountRootfs in each container's rootfs.json (executor/rootfs/). */
  private layersUsedByContainers(): string[] {
    return this.containerRootfs().flatMap((c) => c.layerDirs);
  }

  private containerRootfs(): { id: string; layerDirs: string[] }[] {
    const out: { id: string; layerDirs: string[] }[] = [];
    let ids: string[] = [];
    try { ids = readdirSync(this.containersDir); } catch { return out; }
    for (const id of ids) {
      try {
        const r = JSON.parse(readFileSync(join(this.containersDir, id, 'rootfs.json'), 'utf8')) as { layerDirs?: string[] };
        out.push({ id, layerDirs: r.layerDirs ?? [] });
      } catch { /* no rootfs recorded */ }
    }
    return out;
  }

  /** Containers whose rootfs has exactly this image's layers (by their unpacked dirs). */
  private containersUsing(manifestDigest: string): string[] {
    let dirs: string[];
    try {
      const m = this.blobs.readJson<Manifest>(manifestDigest);
      const cfg = this.blobs.readJson<ImageConfigBlob>(m.config.digest);
      dirs = chainIds(cfg.rootfs.diff_ids).map((c) => this.layers.path(c));
    } catch {
      return [];
    }
    return this.containerRootfs()
      .filter((c) => c.layerDirs.length === dirs.length && c.layerDirs.every((d, i) => d === dirs[i]))
      .map((c) => c.id.slice(0, 12));
  }
}

function ctimeOf(p: string): number {
  try { return statSync(p).ctimeMs; } catch { return 0; }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
