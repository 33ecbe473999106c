// Content-addressed blobs: `<root>/blobs/sha256/<hex>`. Every write streams into a temp file in the
// same file system while hashing, is checked against the expected digest, and is renamed into
// place, so a blob file that exists is always complete and correct (concurrent writers of the same
// blob both succeed; the second rename replaces identical bytes).
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync, linkSync, copyFileSync } from 'node:fs';
import { randomHex } from '../sys/random.ts';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { join } from 'node:path';
import { hexOf, sha256 } from './digest.ts';
import { digestMismatch, ImageError } from './errors.ts';

export function touchCtime(p: string): void {
  try { chmodSync(p, statSync(p).mode & 0o7777); } catch { /* gone: the caller will notice */ }
}

export interface PutResult { digest: string; size: number }

export class BlobStore {
  readonly dir: string;
  readonly tmp: string;

  constructor(root: string) {
    this.dir = join(root, 'blobs', 'sha256');
    this.tmp = join(root, 'tmp');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  path(digest: string): string {
    return join(this.dir, hexOf(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch (e) {
      throw new ImageError('BLOB_MISSING', `blob ${digest} is not in the store`, { cause: e });
    }
  }

  readJson<T>(digest: string): T {
    return JSON.parse(this.read(digest).toString('utf8')) as T;
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1024 * 1024 });
  }

  tempPath(label = 'blob'): string {
    return join(this.tmp, `${label}-${process.pid}-${randomHex(6)}`);
  }

  putBytes(data: Buffer | string, expected?: string): PutResult {
    const digest = sha256(data);
    if (expected && expected !== digest) throw digestMismatch('blob', expected, digest);
    const size = Buffer.byteLength(data);
    if (!this.has(digest)) {
      const tmp = this.tempPath();
      writeFileSync(tmp, data);
      renameSync(tmp, this.path(digest));
    } else {
      this.keep(digest);
    }
    return { digest, size };
  }

  /** Streams `src` into the store; `onBytes` reports progress. Throws DIGEST_MISMATCH on a wrong digest. */
  async putStream(src: Readable | AsyncIterable<Buffer>, expected?: string, onBytes?: (n: number) => void): Promise<PutResult> {
    const tmp = this.tempPath();
    // node:crypto loaded here, not at import: the supervisor loads this module but never streams blobs in.
    const hash = process.getBuiltinModule('node:crypto').createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        onBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(src as Readable, tap, createWriteStream(tmp));
      const digest = 'sha256:' + hash.digest('hex');
      if (expected && expected !== digest) throw digestMismatch('blob', expected, digest);
      renameSync(tmp, this.path(digest));
      return { digest, size };
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Adds an existing file (hard link when possible: `load` and `import` sources can be large). */
  async putFile(file: string, expected?: string): Promise<PutResult> {
    return this.putStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), expected);
  }

  /** Adds a file already known to have `digest` (verified by the caller while writing it). */
  adopt(file: string, digest: string): void {
    const dst = this.path(digest);
    if (existsSync(dst)) { rmSync(file, { force: true }); this.keep(digest); return; }
    try { renameSync(file, dst); } catch { try { linkSync(file, dst); } catch { copyFileSync(file, dst); } }
  }

  /**
   * Marks an existing blob as in use by the operation running now: a same-mode chmod changes only
   * its ctime, which garbage collection compares with live leases (executor/image/lease.ts).
   */
  keep(digest: string): void {
    touchCtime(this.path(digest));
  }

  remove(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  list(): string[] {
    return readdirSync(this.dir).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }
}
