// The build cache: cache key of a step → the stage state after it (layers, config, history), one
// JSON file per key under `<images root>/build-cache/`. A key is the parent state's key + the
// step as evaluated (resolved args and env, and for COPY/ADD the content digest of the sources),
// so an entry is valid for as long as the blobs it names exist (checked on every hit). Concurrent
// builds (services built in parallel on a shared base) compute a step once: the writer holds a
// flock on the key while it builds, and whoever waited finds the entry when it gets the lock.
// File content hashes are cached by stat (size, mtime, ctime, inode) per context, so a no-change
// rebuild reads no file.
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { withFileLock } from '../sys/flock.ts';
import { hexOf } from '../image/digest.ts';
import type { ImageStore } from '../image/store.ts';
import { TscError } from '../../schema/errors.ts';
import type { StageState } from './state.ts';
import { hashFileContent, type SourceItem } from './sources.ts';

export type CachedState = Omit<StageState, 'args' | 'cmdSet'>;

export class BuildCache {
  readonly dir: string;
  private readonly store: ImageStore;

  constructor(store: ImageStore) {
    this.store = store;
    this.dir = join(store.root, 'build-cache');
    mkdirSync(this.dir, { recursive: true });
  }

  get(key: string): CachedState | undefined {
    let s: CachedState;
    try { s = JSON.parse(readFileSync(join(this.dir, `${hexOf(key)}.json`), 'utf8')) as CachedState; } catch { return undefined; }
    // An image prune may have taken a layer blob since: then the entry is stale.
    if (!s.layers.every((l) => this.store.blobs.has(l.digest))) return undefined;
    for (const l of s.layers) this.store.blobs.keep(l.digest);
    return s;
  }

  put(key: string, s: StageState): void {
    const { args: _args, cmdSet: _cmd, ...rest } = s;
    const file = join(this.dir, `${hexOf(key)}.json`);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, JSON.stringify(rest));
    renameSync(tmp, file);
  }

  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, `${hexOf(key)}.lock`);
    // Lock files are tiny and reused by the next build of the same step.
    return withFileLock(lock, fn, 3_600_000, () => new TscError('BUILD_LOCKED', `build step ${key} stayed locked for an hour`));
  }

  /** Runs `fn` holding the locks of `sharing=locked` cache dirs (in a fixed order: no deadlock). */
  async withMountLocks<T>(dirs: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(dirs)].sort();
    const next = (i: number): Promise<T> => (i >= sorted.length ? fn()
      : withFileLock(`${sorted[i]}.lock`, () => next(i + 1), 3_600_000, () => new TscError('BUILD_LOCKED', `cache mount ${sorted[i]} stayed locked for an hour`)));
    return next(0);
  }

  /** Persistent dir for `RUN --mount=type=cache,id=…` (id defaults to the target). */
  mountDir(id: string): string {
    const d = join(this.dir, 'mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));
    mkdirSync(d, { recursive: true });
    return d;
  }
}

interface FileStamp { s: number; m: number; c: number; i: number; h: string }

/** File content hashes by stat, persisted per build context. */
export class FileHashes {
  private readonly file: string;
  private map: Record<string, FileStamp> = {};
  private dirty = false;

  constructor(cache: BuildCache, contextDir: string) {
    this.file = join(cache.dir, `files-${createHash('sha256').update(contextDir).digest('hex').slice(0, 24)}.json`);
    try { this.map = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, FileStamp>; } catch { this.map = {}; }
  }

  hash = (abs: string, it: SourceItem): string => {
    const st = lstatSync(abs);
    void it;
    const have = this.map[abs];
    if (have && have.s === st.size && have.m === st.mtimeMs && have.c === st.ctimeMs && have.i === st.ino) return have.h;
    const h = hashFileContent(abs);
    this.map[abs] = { s: st.size, m: st.mtimeMs, c: st.ctimeMs, i: st.ino, h };
    this.dirty = true;
    return h;
  };

  save(): void {
    if (!this.dirty) return;
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, JSON.stringify(this.map));
      renameSync(tmp, this.file);
    } catch {
      rmSync(tmp, { force: true }); // only a cache
    }
    this.dirty = false;
  }
}
