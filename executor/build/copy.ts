// Writes COPY/ADD items into a step's rootfs (the overlay merged dir, whose upper dir becomes the
// layer). The image may hold symlinks anywhere (`/app -> /`, `/x -> ../../..`): every directory
// is opened with openat2(RESOLVE_IN_ROOT), so paths resolve as inside the image (docker's rule for
// COPY destinations) and never reach the host. Final components are never followed: files are
// created O_EXCL|O_NOFOLLOW after removing what was there, symlinks are made, not written through.
import { closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, mkdirSync, openSync, readSync, rmSync,
  symlinkSync, unlinkSync, writeSync, lutimesSync, chmodSync, chownSync, utimesSync, constants as C } from 'node:fs';
import { posix } from 'node:path';
import { openRoot, openat2, closeFd, O_PATH, O_DIRECTORY, O_CLOEXEC, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../sys/openat2.ts';
import { SysError } from '../../schema/errors.ts';
import type { SourceItem } from './sources.ts';
import { applyChmod, type Chmod } from './chmod.ts';

export interface CopyOwner { uid: number; gid: number }

export interface CopyOptions {
  /** Owner of every item and of the dirs made for them; undefined = keep the source's (COPY --from). */
  owner?: CopyOwner;
  /** --chmod: the mode of every item (octal), or applied to each item's own (symbolic). */
  chmod?: Chmod;
}

const at = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

export class RootWriter {
  private readonly rootFd: number;
  private readonly dirs = new Map<string, number>();
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private readonly owner: CopyOwner | undefined;

  constructor(root: string, owner?: CopyOwner) {
    this.rootFd = openRoot(root);
    this.owner = owner;
  }

  close(): void {
    for (const fd of this.dirs.values()) closeFd(fd);
    this.dirs.clear();
    closeFd(this.rootFd);
  }

  /** An O_PATH fd of `dir` (absolute image path), made (0755, owner) with its parents when missing. */
  dir(dir: string): number {
    const key = posix.normalize(dir);
    const have = this.dirs.get(key);
    if (have !== undefined) return have;
    let fd: number;
    try {
      fd = openat2(this.rootFd, key === '/' ? '.' : key.slice(1), O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, 0, key);
    } catch (e) {
      if (!(e instanceof SysError) || e.errno !== 'ENOENT' || key === '/') throw e;
      const pfd = this.dir(posix.dirname(key));
      const name = posix.basename(key);
      mkdirSync(at(pfd, name), { mode: 0o755 });
      chmodSync(at(pfd, name), 0o755); // umask
      if (this.owner) chownSync(at(pfd, name), this.owner.uid, this.owner.gid);
      fd = openat2(this.rootFd, key.slice(1), O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, 0, key);
    }
    this.dirs.set(key, fd);
    return fd;
  }

  write(it: SourceItem, opts: CopyOptions): void {
    const owner = opts.owner ?? { uid: it.uid, gid: it.gid };
    const mode = opts.chmod === undefined ? it.mode : applyChmod(opts.chmod, it.mode, it.kind === 'dir');
    if (it.dest === '/' && it.kind === 'dir') return; // the root keeps its own metadata
    const pfd = this.dir(posix.dirname(it.dest));
    const name = posix.basename(it.dest);
    const path = at(pfd, name);
    let existing;
    try { existing = lstatSync(path); } catch { existing = undefined; }
    if (it.kind === 'dir') {
      if (existing && !existing.isDirectory()) unlinkSync(path);
      if (!existing || !existing.isDirectory()) {
        mkdirSync(path, { mode: 0o755 });
        // A dir the image already has keeps its metadata; a new one takes the source's.
        chmodSync(path, mode);
        chownSync(path, owner.uid, owner.gid);
        utimesSync(path, it.mtime, it.mtime);
      }
      return;
    }
    if (existing?.isDirectory()) {
      if (it.kind === 'file') throw new SysError('copy', 'EISDIR', it.dest, { hint: 'a directory is in the way of the file' });
      rmSync(path, { recursive: true, force: true });
    } else if (existing) {
      unlinkSync(path);
    }
    if (it.kind === 'symlink') {
      symlinkSync(it.linkTarget ?? '', path);
      lchownSync(path, owner.uid, owner.gid);
      lutimesSync(path, it.mtime, it.mtime);
      return;
    }
    const src = openSync(it.abs, C.O_RDONLY | C.O_NOFOLLOW);
    try {
      const dst = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
      try {
        for (;;) {
          const n = readSync(src, this.buf, 0, this.buf.length, null);
          if (n <= 0) break;
          let off = 0;
          while (off < n) off += writeSync(dst, this.buf, off, n - off);
        }
        fchownSync(dst, owner.uid, owner.gid);
        fchmodSync(dst, mode); // after chown: chown clears setuid bits
        futimesSync(dst, it.mtime, it.mtime);
      } finally {
        closeSync(dst);
      }
    } finally {
      closeSync(src);
    }
  }
}

/** Writes `items` (parents before children) into `root`. */
export function copyInto(root: string, items: SourceItem[], opts: CopyOptions): void {
  const w = new RootWriter(root, opts.owner);
  try {
    for (const it of items) w.write(it, opts);
  } finally {
    w.close();
  }
}

/** Makes `dir` (an absolute image path) in the rootfs, as WORKDIR does. */
export function makeDirIn(root: string, dir: string, owner?: CopyOwner): void {
  const w = new RootWriter(root, owner);
  try { w.dir(dir); } finally { w.close(); }
}

/** True when `path` (absolute image path) is a directory in the rootfs, symlinks resolved inside it. */
export function isDirIn(root: string, path: string): boolean {
  const rootFd = openRoot(root);
  try {
    const rel = posix.normalize(path).replace(/^\/+/, '') || '.';
    const fd = openat2(rootFd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, 0, path);
    closeFd(fd);
    return true;
  } catch (e) {
    if (e instanceof SysError && (e.errno === 'ENOENT' || e.errno === 'ENOTDIR')) return false;
    throw e;
  } finally {
    closeFd(rootFd);
  }
}
