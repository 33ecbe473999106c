// Layer unpacking: one streamed pass decompresses (gzip, zstd or plain), hashes the tar (the diff
// ID) and applies each entry into a fresh directory that becomes an overlay lower dir.
//
// OCI whiteouts become overlay's native forms, since the dir is mounted as a lower layer as is:
// `.wh.NAME` → a 0/0 character device NAME; `.wh..wh..opq` → xattr trusted.overlay.opaque=y.
//
// Containment: a layer is untrusted. Every path is normalised against the layer root; a `..` that
// climbs above it rejects the layer. Parent components are checked to be real directories we made
// (never symlinks), so a symlink planted by the archive is never written through; the final
// component is replaced, never followed (O_NOFOLLOW, lchown, lutimes); hard-link targets must be
// non-directories inside the layer. Nothing else writes into the temp dir while we unpack, so the
// checks cannot race.
import {
  createReadStream, openSync, readSync, closeSync, writeSync, fchownSync, fchmodSync, futimesSync,
  lstatSync, statSync, readFileSync, mkdirSync, rmSync, symlinkSync, linkSync, lchownSync, chmodSync, lutimesSync, chownSync, utimesSync, constants as C,
} from 'node:fs';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { posix } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { entryXattrs } from './pax-xattrs.ts';
import { LayerError } from './errors.ts';
import { mknod, lsetxattr, S_IFCHR, S_IFBLK, S_IFIFO } from '../sys/fsnode.ts';
import { TscError } from '../../schema/errors.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

export function fileCompression(file: string): Compression {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    return detectCompression(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export function decompressor(c: Compression): Transform | undefined {
  // Larger output chunks mean fewer parser/write calls per MB (measured in bench/unpack).
  if (c === 'gzip') return createGunzip({ chunkSize: 256 * 1024 });
  if (c === 'zstd') return createZstdDecompress({ chunkSize: 256 * 1024 });
  return undefined;
}

/**
 * Normalises an archive path to a relative path inside the layer ('' = the root itself).
 * Leading `/` and `./` are dropped (tar convention); a `..` that would leave the root throws.
 */
export function cleanPath(raw: string): string {
  const parts: string[] = [];
  for (const p of raw.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) throw new LayerError('path climbs out of the layer with ".."', raw);
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE = '.wh..wh..opq';

export interface UnpackResult { diffId: string; size: number; entries: number }

/** Layers smaller than this unpack on the calling thread: a worker costs ~50 ms to start. */
export const WORKER_THRESHOLD = 8 * 1024 * 1024;

/**
 * Unpacks the layer blob `file` into `dest` (an existing empty dir). Large layers unpack on a
 * worker thread (executor/image/unpack-worker.ts) so the caller's event loop stays free.
 */
export async function unpackLayer(file: string, dest: string, opts: { worker?: boolean } = {}): Promise<UnpackResult> {
  const useWorker = opts.worker ?? statSync(file).size >= WORKER_THRESHOLD;
  if (!useWorker) return unpackLayerHere(file, dest);
  return new Promise<UnpackResult>((resolve, reject) => {
    const p = pool();
    const id = ++p.seq;
    p.jobs.set(id, { resolve, reject });
    p.worker.ref();
    p.worker.postMessage({ id, file, dest });
  });
}

type WorkerReply = { id: number; ok: true; result: UnpackResult } | { id: number; ok: false; error: { code: string; message: string; hint?: string; entry?: string } };
interface Pool { worker: Worker; seq: number; jobs: Map<number, { resolve: (r: UnpackResult) => void; reject: (e: unknown) => void }> }
let shared: Pool | undefined;

function pool(): Pool {
  if (shared) return shared;
  // The worker inherits the process's Node flags; those about an --eval entry point make it fail.
  // Then it gets none: a given list is validated, and per-process flags in it are refused too.
  const evalFlags = process.execArgv.some((a) => /^--(input-type|eval|print)(=|$)|^-[ep]$/.test(a));
  // Run from build/js (scripts/build-js), this file is .js and so is the worker beside it.
  const file = import.meta.url.endsWith('.js') ? './unpack-worker.js' : './unpack-worker.ts';
  const worker = new Worker(new URL(file, import.meta.url), evalFlags ? { execArgv: [] } : {});
  const p: Pool = { worker, seq: 0, jobs: new Map() };
  worker.on('message', (m: WorkerReply) => {
    const job = p.jobs.get(m.id);
    if (!job) return;
    p.jobs.delete(m.id);
    if (p.jobs.size === 0) worker.unref(); // an idle worker must not keep the process alive
    if (m.ok) return job.resolve(m.result);
    const e = m.error;
    if (e.code === 'BAD_LAYER') job.reject(new LayerError(e.entry ? e.message.replace(/^layer entry "[^"]*": /, '') : e.message, e.entry));
    else job.reject(new TscError(e.code, e.message, e.hint ? { hint: e.hint } : {}));
  });
  const fail = (err: unknown) => {
    if (shared === p) shared = undefined;
    for (const j of p.jobs.values()) j.reject(asLayerError(err));
    p.jobs.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new LayerError(`unpack worker exited with code ${code}`)));
  worker.unref();
  shared = p;
  return p;
}

/** Unpacks on the calling thread. */
export async function unpackLayerHere(file: string, dest: string): Promise<UnpackResult> {
  const src = createReadStream(file, { highWaterMark: 1024 * 1024 });
  return unpackStream(src, fileCompression(file), dest);
}

export async function unpackStream(src: Readable, compression: Compression, dest: string): Promise<UnpackResult> {
  const w = new LayerWriter(dest);
  const hash = createHash('sha256');
  let size = 0;
  let failure: unknown;
  // Not `strict`: warnings come to our handler, which decides (an empty layer is fine, the rest is fatal).
  const parser = new Parser();
  parser.on('entry', (e: ReadEntry) => {
    if (failure) { e.resume(); return; }
    try { w.entry(e); } catch (err) { failure = err; e.resume(); }
  });
  let nonZero = false; // an empty layer is just zero blocks (or nothing), which node-tar calls "bad"
  parser.on('warn', (code: string, msg: string | Error) => {
    if (code === 'TAR_ENTRY_INFO') return;
    if (code === 'TAR_BAD_ARCHIVE' && w.count === 0 && !nonZero) return;
    failure ??= new LayerError(`bad archive: ${code} ${msg instanceof Error ? msg.message : msg}`);
  });
  const done = new Promise<void>((res, rej) => { parser.on('end', res); parser.on('error', rej); });
  done.catch(() => { /* awaited below on success; on failure the first error is the one reported */ });
  const stages: (Readable | Transform)[] = [src];
  const dec = decompressor(compression);
  if (dec) stages.push(dec);
  try {
    await pipeline(...(stages as [Readable]), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        if (!nonZero && w.count === 0) nonZero = chunk.some((b) => b !== 0);
        parser.write(chunk);
        if (failure) throw failure;
        // Buffered chunks resolve as microtasks, which never let the event loop poll I/O; without
        // this, a running unpack starved the parallel downloads of a pull (bench/pull).
        await yieldToLoop();
      }
      parser.end();
    });
    await done;
  } catch (err) {
    throw asLayerError(failure ?? err);
  }
  if (failure) throw asLayerError(failure);
  w.finish();
  return { diffId: 'sha256:' + hash.digest('hex'), size, entries: w.count };
}

function asLayerError(e: unknown): TscError {
  if (e instanceof TscError) return e;
  return new LayerError(`cannot unpack: ${e instanceof Error ? e.message : String(e)}`, undefined, e);
}

interface DirAttrs { path: string; mode: number; uid: number; gid: number; mtime: Date | undefined; atime: Date | undefined }

/** Applies entries one by one into `root`. Public for tests. */
export class LayerWriter {
  readonly root: string;
  count = 0;
  /** Directories (relative paths) known to be real directories we created or checked. */
  private dirs = new Set<string>(['']);
  /**
   * Every non-directory path this unpack created. The destination starts empty and only we write
   * into it, so a path not in here (or in `dirs`) does not exist: no lstat per entry.
   */
  private made = new Set<string>();
  private readonly asRoot = process.getuid?.() === 0;
  private readonly umask = currentUmask();
  private dirAttrs = new Map<string, DirAttrs>();

  constructor(root: string) {
    this.root = root;
  }

  entry(e: ReadEntry): void {
    this.count++;
    const rel = cleanPath(e.path);
    const type = e.type;
    if (rel === '') {
      if (type === 'Directory') this.dirAttrs.set('', attrs(this.root, e));
      e.resume();
      return;
    }
    const name = posix.basename(rel);
    const parentRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    if (name.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(parentRel, name, e);
      return;
    }
    const parent = this.ensureDir(parentRel, e.path);
    const abs = parent + '/' + name;
    switch (type) {
      case 'Directory':
      case 'GNUDumpDir': {
        if (!this.dirs.has(rel)) {
          if (this.made.delete(rel)) rmSync(abs, { force: true }); // a non-dir of this layer gives way
          mkdirSync(abs, 0o700);
        }
        this.dirs.add(rel);
        this.dirAttrs.set(rel, attrs(abs, e));
        this.xattrs(abs, e);
        e.resume();
        return;
      }
      case 'File':
      case 'OldFile':
      case 'ContiguousFile':
        this.replace(abs, rel);
        this.file(abs, e);
        return;
      case 'SymbolicLink':
        this.replace(abs, rel);
        symlinkSync(String(e.linkpath ?? ''), abs);
        lchownSync(abs, e.uid ?? 0, e.gid ?? 0);
        if (e.mtime) lutimesSync(abs, e.atime ?? e.mtime, e.mtime);
        e.resume();
        return;
      case 'Link': {
        const target = this.linkTarget(String(e.linkpath ?? ''), e.path);
        if (target === abs) { e.resume(); return; }
        this.replace(abs, rel);
        linkSync(target, abs);
        e.resume();
        return;
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO': {
        this.replace(abs, rel);
        const kind = type === 'CharacterDevice' ? S_IFCHR : type === 'BlockDevice' ? S_IFBLK : S_IFIFO;
        mknod(abs, kind, 0o600, e.header.devmaj ?? 0, e.header.devmin ?? 0);
        chownSync(abs, e.uid ?? 0, e.gid ?? 0);
        chmodSync(abs, (e.mode ?? 0o600) & 0o7777);
        if (e.mtime) utimesSync(abs, e.atime ?? e.mtime, e.mtime);
        this.xattrs(abs, e);
        e.resume();
        return;
      }
      default:
        // Pax/GNU meta entries are consumed by the parser; anything else (sockets…) has no place in a layer.
        e.resume();
    }
  }

  /** Sets directory owners, modes and mtimes last: creating children changes a dir's mtime. */
  finish(): void {
    for (const d of this.dirAttrs.values()) {
      chownSync(d.path, d.uid, d.gid);
      chmodSync(d.path, d.mode);
      if (d.mtime) utimesSync(d.path, d.atime ?? d.mtime, d.mtime);
    }
  }

  private file(abs: string, e: ReadEntry): void {
    const mode = (e.mode ?? 0o644) & 0o7777;
    const uid = e.uid ?? 0;
    const gid = e.gid ?? 0;
    // Created with its final mode when the umask cannot change it and no special bits are set:
    // saves an fchmod per file (likewise fchown for root-owned files when we are root).
    const modeAtOpen = (mode & 0o7000) === 0 && (mode & this.umask) === 0;
    const ownedAtOpen = this.asRoot && uid === 0 && gid === 0;
    const fd = openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, modeAtOpen ? mode : 0o600);
    let closed = false;
    const close = () => { if (!closed) { closed = true; closeSync(fd); } };
    try {
      // Sync writes on purpose: the parser calls us synchronously per chunk and page-cache writes
      // are microseconds; an async write per chunk would need buffering and back-pressure for no gain.
      e.on('data', (chunk: Buffer) => {
        try {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (err) {
          close(); // ENOSPC and friends: the error travels up through parser.write; the fd must not leak
          throw err;
        }
      });
      e.on('end', () => {
        try {
          if (!ownedAtOpen) fchownSync(fd, uid, gid);
          if (!modeAtOpen || !ownedAtOpen) fchmodSync(fd, mode); // after chown: chown clears setuid bits
          if (e.mtime) futimesSync(fd, e.atime ?? e.mtime, e.mtime);
          this.xattrs(abs, e);
        } finally {
          close();
        }
      });
    } catch (err) {
      close();
      throw err;
    }
  }

  private xattrs(abs: string, e: ReadEntry): void {
    const x = entryXattrs(e);
    if (!x) return;
    for (const [k, v] of Object.entries(x)) {
      // Overlay's own attributes (redirect, origin, metacopy…) in a lower dir would let a layer
      // steer overlay lookups; only user data and file capabilities are carried over.
      if (k.startsWith('user.') || k === 'security.capability') lsetxattr(abs, k, v);
    }
  }

  private whiteout(parentRel: string, name: string, e: ReadEntry): void {
    const parent = this.ensureDir(parentRel, e.path);
    if (name === OPAQUE) {
      lsetxattr(parent, 'trusted.overlay.opaque', 'y');
    } else if (name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
      // Other `.wh..wh.` names are aufs bookkeeping (`.wh..wh.plnk`), not whiteouts: skipped, as docker does.
    } else {
      const hidden = name.slice(WHITEOUT_PREFIX.length);
      if (!hidden || hidden === '.' || hidden === '..' || hidden.includes('/')) throw new LayerError('bad whiteout name', e.path);
      const abs = parent + '/' + hidden;
      // A whiteout hides lower layers only; an entry of this same layer with that name stays.
      const rel = parentRel ? `${parentRel}/${hidden}` : hidden;
      if (!this.made.has(rel) && !this.dirs.has(rel)) {
        mknod(abs, S_IFCHR, 0, 0, 0);
        this.made.add(rel);
      }
    }
    e.resume();
  }

  /** Makes sure every component of `rel` is a real directory in the layer (creating missing ones). */
  private ensureDir(rel: string, entryPath: string): string {
    if (this.dirs.has(rel)) return rel ? this.root + '/' + rel : this.root;
    let cur = '';
    for (const part of rel.split('/')) {
      cur = cur ? cur + '/' + part : part;
      if (this.dirs.has(cur)) continue;
      const abs = this.root + '/' + cur;
      const st = this.made.has(cur) ? lstatOrUndefined(abs) : undefined;
      if (!st) {
        mkdirSync(abs, 0o755);
      } else if (!st.isDirectory()) {
        throw new LayerError(st.isSymbolicLink() ? `parent "${cur}" is a symlink: refusing to write through it` : `parent "${cur}" is not a directory`, entryPath);
      }
      this.dirs.add(cur);
    }
    return this.root + '/' + rel;
  }

  /** Removes whatever is at `abs` before an entry takes its place (tar semantics), never following it. */
  private replace(abs: string, rel: string): void {
    if (!this.made.has(rel) && !this.dirs.has(rel)) {
      this.made.add(rel);
      return;
    }
    const st = lstatOrUndefined(abs);
    if (!st) return;
    rmSync(abs, { recursive: st.isDirectory(), force: true });
    if (st.isDirectory()) {
      const under = (d: string) => d === rel || d.startsWith(rel + '/');
      for (const d of [...this.dirs]) if (under(d)) this.dirs.delete(d);
      for (const d of [...this.made]) if (under(d)) this.made.delete(d);
      for (const d of [...this.dirAttrs.keys()]) if (under(d)) this.dirAttrs.delete(d);
    }
    this.made.add(rel);
  }

  private linkTarget(linkpath: string, entryPath: string): string {
    const rel = cleanPath(linkpath); // absolute link names are relative to the layer root, as in docker
    if (rel === '') throw new LayerError('hard link to the layer root', entryPath);
    const parentRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    let cur = '';
    for (const part of parentRel ? parentRel.split('/') : []) {
      cur = cur ? cur + '/' + part : part;
      if (this.dirs.has(cur)) continue;
      const st = lstatOrUndefined(this.root + '/' + cur);
      if (!st) throw new LayerError(`hard link target "${linkpath}" does not exist in the layer`, entryPath);
      if (!st.isDirectory()) throw new LayerError(`hard link target "${linkpath}" goes through a non-directory ("${cur}")`, entryPath);
    }
    const abs = this.root + '/' + rel;
    const st = lstatOrUndefined(abs);
    if (!st) throw new LayerError(`hard link target "${linkpath}" does not exist in the layer`, entryPath);
    if (st.isDirectory()) throw new LayerError(`hard link target "${linkpath}" is a directory`, entryPath);
    return abs;
  }
}

function attrs(path: string, e: ReadEntry): DirAttrs {
  return { path, mode: (e.mode ?? 0o755) & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime, atime: e.atime };
}

function currentUmask(): number {
  // process.umask() without an argument is deprecated and setting it is refused on worker
  // threads; the kernel reports it read-only in /proc/self/status.
  try {
    const m = /^Umask:\s*([0-7]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return parseInt(m[1]!, 8);
  } catch { /* no procfs: assume the common default */ }
  return 0o022;
}

function lstatOrUndefined(p: string) {
  try { return lstatSync(p); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
