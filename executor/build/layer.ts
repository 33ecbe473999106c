// A step's overlay upper dir → an OCI tar layer. Overlay records deletions in its own way, and the
// OCI layer format in another (OCI image-spec "Whiteouts"):
//   0/0 character device NAME                → empty file `.wh.NAME`   (NAME is deleted)
//   directory with trusted.overlay.opaque=y  → the dir + `dir/.wh..wh..opq` (lower contents hidden)
// Everything else is archived as it is (mode, owner, mtime, symlinks, hard links within the layer,
// device nodes, file capabilities). The walk never follows a symlink and reads files with
// O_NOFOLLOW, so a layer holds only what is inside its dir. Entries are sorted: the same upper dir
// always gives the same bytes, hence the same diff ID.
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants as C, type Stats } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '../sys/fsnode.ts';
import { END_OF_ARCHIVE, headerBlocks, padding, type TarHeader, type TarType } from './tar-writer.ts';
import type { ImageStore } from '../image/store.ts';
import { MT, type Descriptor } from '../image/oci.ts';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** What the walk learnt about one path of the upper dir (enough to decide its tar form). */
export interface UpperEntry {
  /** Relative path, `/`-separated, no leading `/`. */
  rel: string;
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  rdevMajor: number;
  rdevMinor: number;
  linkTarget?: string;
  /** For dirs: overlay marked it opaque. */
  opaque?: boolean;
  /** `dev:ino` for hard-link detection (files with nlink > 1). */
  inode?: string;
  xattrs?: Record<string, Buffer>;
}

/** The tar headers for one upper-dir entry: the whiteout conversion (pure). */
export function tarHeadersFor(e: UpperEntry, seenInodes: Map<string, string>): TarHeader[] {
  const base = { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime, size: 0 };
  if (e.kind === 'char' && e.rdevMajor === 0 && e.rdevMinor === 0) {
    const slash = e.rel.lastIndexOf('/');
    const wh = `${e.rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${e.rel.slice(slash + 1)}`;
    return [{ ...base, path: wh, type: 'File', mode: 0o644 }];
  }
  switch (e.kind) {
    case 'dir': {
      const out: TarHeader[] = [{ ...base, path: `${e.rel}/`, type: 'Directory', ...(e.xattrs ? { xattrs: e.xattrs } : {}) }];
      if (e.opaque) out.push({ ...base, path: `${e.rel}/${OPAQUE_MARKER}`, type: 'File', mode: 0o644 });
      return out;
    }
    case 'symlink':
      return [{ ...base, path: e.rel, type: 'SymbolicLink', mode: 0o777, linkpath: e.linkTarget ?? '' }];
    case 'file': {
      if (e.inode) {
        const first = seenInodes.get(e.inode);
        if (first !== undefined) return [{ ...base, path: e.rel, type: 'Link', linkpath: first }];
        seenInodes.set(e.inode, e.rel);
      }
      return [{ ...base, path: e.rel, type: 'File', size: e.size, ...(e.xattrs ? { xattrs: e.xattrs } : {}) }];
    }
    case 'char': case 'block': case 'fifo': {
      const type: TarType = e.kind === 'char' ? 'CharacterDevice' : e.kind === 'block' ? 'BlockDevice' : 'FIFO';
      return [{ ...base, path: e.rel, type, devmaj: e.rdevMajor, devmin: e.rdevMinor }];
    }
    case 'socket':
      return []; // sockets cannot be archived (docker skips them too)
  }
}

function kindOf(st: Stats): UpperEntry['kind'] {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'file';
}

const major = (dev: number) => Number((BigInt(dev) >> 8n) & 0xfffn);
const minor = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & 0xfff00n));

function xattrsOf(abs: string, kind: UpperEntry['kind']): Record<string, Buffer> | undefined {
  if (kind !== 'file') return undefined;
  const cap = lgetxattr(abs, 'security.capability');
  return cap ? { 'security.capability': cap } : undefined;
}

/** Walks `dir` (not followed through symlinks) in sorted order; the root itself is not listed. */
export function* walkUpper(dir: string, rel = ''): Generator<UpperEntry> {
  let names: string[];
  try { names = readdirSync(rel ? join(dir, rel) : dir); } catch { return; }
  names.sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const abs = join(dir, r);
    const st = lstatSync(abs);
    const kind = kindOf(st);
    const e: UpperEntry = {
      rel: r, kind, mode: st.mode, uid: st.uid, gid: st.gid, size: kind === 'file' ? st.size : 0, mtime: st.mtime,
      rdevMajor: major(st.rdev), rdevMinor: minor(st.rdev),
    };
    if (kind === 'symlink') e.linkTarget = readlinkSync(abs);
    if (kind === 'dir') {
      const o = lgetxattr(abs, 'trusted.overlay.opaque');
      if (o && o.toString() === 'y') e.opaque = true;
    }
    if (kind === 'file' && st.nlink > 1) e.inode = `${st.dev}:${st.ino}`;
    const x = xattrsOf(abs, kind);
    if (x) e.xattrs = x;
    yield e;
    if (kind === 'dir') yield* walkUpper(dir, r);
  }
}

/** The tar stream of an upper dir (uncompressed: its digest is its diff ID). */
export async function* upperTar(dir: string): AsyncGenerator<Buffer> {
  const seen = new Map<string, string>();
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const e of walkUpper(dir)) {
    for (const h of tarHeadersFor(e, seen)) {
      yield headerBlocks(h);
      if (h.type !== 'File' || h.size === 0) continue;
      const fd = openSync(join(dir, e.rel), C.O_RDONLY | C.O_NOFOLLOW);
      try {
        let left = h.size;
        while (left > 0) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
          if (n <= 0) break;
          left -= n;
          yield Buffer.from(buf.subarray(0, n));
        }
        // A file that shrank while we read keeps the size its header announced.
        if (left > 0) yield Buffer.alloc(left);
      } finally {
        closeSync(fd);
      }
      const pad = padding(h.size);
      if (pad) yield Buffer.alloc(pad);
    }
  }
  yield END_OF_ARCHIVE;
}

/** True when the upper dir holds nothing (the step changed no file). */
export function upperIsEmpty(dir: string): boolean {
  try { return readdirSync(dir).length === 0; } catch { return true; }
}

/** Archives `upperDir` into the store: blob (its digest is the diff ID) + descriptor. */
export async function commitLayer(store: ImageStore, upperDir: string): Promise<{ desc: Descriptor; diffId: string }> {
  const blob = await store.blobs.putStream(upperTar(upperDir));
  return { desc: { mediaType: MT.ociLayer, digest: blob.digest, size: blob.size }, diffId: blob.digest };
}
