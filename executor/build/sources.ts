// COPY/ADD sources: which files a source spec names in a root (the build context, or the root
// filesystem of a stage or image for --from), where each lands, and a digest of them for the cache.
//
// Containment: the top-level source path is resolved by the kernel as if the root were `/`
// (openat2 RESOLVE_IN_ROOT), so a symlink in the context pointing at `/etc` or `../../x` resolves
// inside the root (usually to nothing); below it the walk never follows a symlink (symlinks are
// copied as symlinks). Paths with `..` that climb out of the root are refused before any lookup.
// The .dockerignore rules drop paths as if they were not in the context at all.
import { lstatSync, readdirSync, readlinkSync, openSync, readSync, closeSync, constants as C, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { openRoot, openat2, closeFd, O_PATH, O_CLOEXEC, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../sys/openat2.ts';
import { SysError } from '../../schema/errors.ts';
import type { PathMatcher } from '../watch/ignore.ts';

export interface SourceItem {
  /** Host path to read (inside the root, through no symlink but the resolved top one). */
  abs: string;
  /** Absolute destination path in the image. */
  dest: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkTarget?: string;
  /** Path relative to the root (for .dockerignore and messages). */
  rel: string;
}

export class SourceError extends Error {
  readonly spec: string;
  constructor(spec: string, message: string) { super(message); this.spec = spec; }
}

const GLOB = /[*?[]/;

/** Normalises a source spec to a root-relative path; refuses `..` escapes (docker: "forbidden path outside the build context"). */
export function cleanSource(spec: string): string {
  const parts: string[] = [];
  for (const p of spec.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) throw new SourceError(spec, `forbidden path outside the build context: ${spec}`);
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

/**
 * Destination of one source: a file source goes to `dest` itself unless dest ends with `/` (or
 * several sources were given, or dest is an existing dir: the caller says), then to dest/basename.
 * A dir source's contents go into dest.
 */
export function destFor(dest: string, srcKind: 'file' | 'dir' | 'symlink', srcBase: string, destIsDir: boolean): string {
  if (srcKind === 'dir') return dest;
  return destIsDir ? posix.join(dest, srcBase) : dest;
}

/** Resolves `rel` inside `root` as the kernel would with root as `/`; returns the real host path, or undefined. */
export function resolveInRoot(root: string, rel: string): string | undefined {
  if (rel === '') return root;
  const rootFd = openRoot(root);
  try {
    let fd: number;
    try {
      fd = openat2(rootFd, rel, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    } catch (e) {
      if (e instanceof SysError && (e.errno === 'ENOENT' || e.errno === 'ENOTDIR' || e.errno === 'ELOOP')) return undefined;
      throw e;
    }
    try {
      const real = readlinkSync(`/proc/self/fd/${fd}`);
      // The kernel guarantees it; check anyway, the result becomes a path we read.
      if (real !== root && !real.startsWith(root.endsWith('/') ? root : `${root}/`)) return undefined;
      return real;
    } finally {
      closeFd(fd);
    }
  } finally {
    closeFd(rootFd);
  }
}

const kindOf = (st: Stats): SourceItem['kind'] | undefined =>
  st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : undefined;

/**
 * The items of source specs in `root`, with their destinations. `ignore` (context only) drops
 * paths; `destIsDir` says whether dest is a directory (ends with `/`, several sources, or an
 * existing dir). Throws SourceError for a source that matches nothing.
 */
export function collectSources(root: string, specs: string[], dest: string, destIsDir: boolean, ignore?: PathMatcher): SourceItem[] {
  const realRoot = resolveInRoot(root, '') ?? root;
  const out: SourceItem[] = [];
  for (const spec of specs) {
    const clean = cleanSource(spec);
    const matches = GLOB.test(clean) ? globIn(realRoot, clean, ignore) : [clean];
    let found = 0;
    for (const rel of matches) {
      if (rel !== '' && ignore?.matches(rel)) continue;
      const abs = resolveInRoot(realRoot, rel);
      if (!abs) continue;
      const st = lstatSync(abs);
      const kind = kindOf(st);
      if (!kind) continue;
      const realRel = abs === realRoot ? '' : abs.slice(realRoot.length + 1);
      if (realRel !== '' && ignore?.matches(realRel)) continue;
      found++;
      const base = posix.basename(rel || '/');
      const target = destFor(dest, kind, base, destIsDir || matches.length > 1 || GLOB.test(clean));
      const top = item(abs, target, st, kind, realRel);
      // A dir source copies its contents: the destination dir, when made, is a plain 0755
      // root-owned dir (BuildKit's MkdirAll), not a copy of the context dir's own metadata.
      out.push(kind === 'dir' ? { ...top, mode: 0o755, uid: 0, gid: 0 } : top);
      if (kind === 'dir') walk(abs, realRel, target, ignore, out);
    }
    if (found === 0) {
      throw new SourceError(spec, `"${spec}": not found${ignore?.patterns.length ? ' (or excluded by .dockerignore)' : ''}`);
    }
  }
  return out;
}

function item(abs: string, dest: string, st: Stats, kind: SourceItem['kind'], rel: string): SourceItem {
  return {
    abs, dest, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: kind === 'file' ? st.size : 0, mtime: st.mtime, rel,
    ...(kind === 'symlink' ? { linkTarget: readlinkSync(abs) } : {}),
  };
}

function walk(absDir: string, relDir: string, destDir: string, ignore: PathMatcher | undefined, out: SourceItem[]): void {
  const names = readdirSync(absDir).sort();
  for (const name of names) {
    const rel = relDir ? `${relDir}/${name}` : name;
    if (ignore?.matches(rel)) {
      // A re-included path below an excluded dir (`!dir/keep`) still needs the walk.
      if (!ignore.patterns.some((p) => p.startsWith('!'))) continue;
    }
    const abs = `${absDir}/${name}`;
    const st = lstatSync(abs);
    const kind = kindOf(st);
    if (!kind) continue;
    const dest = posix.join(destDir, name);
    if (ignore?.matches(rel)) {
      if (kind === 'dir') walk(abs, rel, dest, ignore, out); // only re-included children get copied
      continue;
    }
    out.push(item(abs, dest, st, kind, rel));
    if (kind === 'dir') walk(abs, rel, dest, ignore, out);
  }
}

/** Root-relative paths matching a glob (`*`, `?`, `[…]` per segment, as Go's filepath.Match). */
function globIn(root: string, pattern: string, ignore?: PathMatcher): string[] {
  const segs = pattern.split('/');
  const fixed: string[] = [];
  while (segs.length && !GLOB.test(segs[0]!)) fixed.push(segs.shift()!);
  const base = fixed.join('/');
  const match = picomatch(pattern, { dot: true, nobrace: true, noextglob: true, noglobstar: true });
  const depth = pattern.split('/').length;
  const out: string[] = [];
  const visit = (rel: string) => {
    const abs = rel ? `${root}/${rel}` : root;
    let names: string[];
    try { names = readdirSync(abs).sort(); } catch { return; }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      if (ignore?.matches(r)) continue;
      const d = r.split('/').length;
      if (d === depth) { if (match(r)) out.push(r); continue; }
      try { if (lstatSync(`${root}/${r}`).isDirectory()) visit(r); } catch { /* gone */ }
    }
  };
  const baseAbs = resolveInRoot(root, base);
  if (baseAbs === undefined) return [];
  visit(base);
  return out;
}

/**
 * Content digest of source items for the cache key: destinations, kinds, modes, link targets and
 * file contents (not mtimes or owners: COPY sets the owner, and a touched file is unchanged).
 * `hashFile` lets the caller cache file hashes by stat.
 */
export function sourcesDigest(items: SourceItem[], hashFile: (abs: string, st: SourceItem) => string): string {
  const h = createHash('sha256');
  for (const it of items) {
    h.update(`${it.dest}\0${it.kind}\0${it.mode.toString(8)}\0${it.linkTarget ?? ''}\0${it.kind === 'file' ? hashFile(it.abs, it) : ''}\n`);
  }
  return 'sha256:' + h.digest('hex');
}

/** sha256 of a file, read without following a final symlink. */
export function hashFileContent(abs: string): string {
  const fd = openSync(abs, C.O_RDONLY | C.O_NOFOLLOW);
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}
