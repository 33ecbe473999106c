// The refs index: canonical reference (`docker.io/library/redis:latest`) → manifest digest, in
// `<root>/refs.json`. Readers read the file (always whole: writers replace it by rename); writers
// take a kernel flock on `<root>/refs.lock` for read-modify-write, so two tscompose processes
// never lose each other's updates. flock is non-blocking (the event loop must not stall), so we
// poll with a short backoff; the lock is released by the kernel if its holder dies.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex } from '../sys/random.ts';
import { withFileLock } from '../sys/flock.ts';
import { ImageError } from './errors.ts';

export interface RefEntry { digest: string; created: string }
interface RefsFile { version: 1; refs: Record<string, RefEntry> }

export class RefIndex {
  readonly file: string;
  readonly lockFile: string;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    this.file = join(root, 'refs.json');
    this.lockFile = join(root, 'refs.lock');
  }

  all(): Record<string, RefEntry> {
    try {
      const f = JSON.parse(readFileSync(this.file, 'utf8')) as RefsFile;
      return f.refs ?? {};
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ImageError('REFS_CORRUPT', `cannot read ${this.file}`, { cause: e });
    }
  }

  get(ref: string): RefEntry | undefined {
    return this.all()[ref];
  }

  /** Runs `change` on the current map under the lock and writes the result atomically. */
  async update<T>(change: (refs: Record<string, RefEntry>) => T): Promise<T> {
    return this.withLock(() => {
      const refs = this.all();
      const out = change(refs);
      const tmp = `${this.file}.${process.pid}.${randomHex(4)}`;
      writeFileSync(tmp, JSON.stringify({ version: 1, refs } satisfies RefsFile, null, 1) + '\n');
      renameSync(tmp, this.file);
      return out;
    });
  }

  async set(ref: string, digest: string): Promise<void> {
    await this.update((refs) => { refs[ref] = { digest, created: new Date().toISOString() }; });
  }

  withLock<T>(fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
    return withFileLock(this.lockFile, fn, timeoutMs,
      () => new ImageError('STORE_LOCKED', `image store ${this.lockFile} stayed locked for ${timeoutMs} ms`));
  }

}
