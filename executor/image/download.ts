// Downloading one blob with retries and resume. The partial file is `tmp/partial-<hex>` (named by
// the digest, so a pull interrupted by Ctrl-C or a dropped connection continues where it stopped,
// with an HTTP Range request) and flock'ed while in use: a second process pulling the same blob at
// the same time downloads to a private temp file instead of sharing it. The digest is checked over
// the whole file before it enters the store.
import { closeSync, createReadStream, fstatSync, ftruncateSync, openSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageStore } from './store.ts';
import type { Descriptor } from './oci.ts';
import type { RegistryClient } from './registry.ts';
import { hexOf } from './digest.ts';
import { ImageError, digestMismatch } from './errors.ts';
import { tryFlockExclusive, funlock } from '../sys/flock.ts';

export interface DownloadOptions {
  attempts?: number;
  /** Called with the number of bytes of the blob present so far (including resumed bytes). */
  onBytes?: (done: number) => void;
  retryDelayMs?: number;
}

const writeAsync = promisify(write);

const RETRIABLE = new Set(['REGISTRY_UNREACHABLE', 'REGISTRY', 'DOWNLOAD_INTERRUPTED']);

/** Downloads in flight in this process, by blob file: two images sharing a layer fetch it once. */
const inflight = new Map<string, Promise<void>>();

export async function downloadBlob(store: ImageStore, client: RegistryClient, repo: string, desc: Descriptor, opts: DownloadOptions = {}): Promise<void> {
  const key = store.blobs.path(desc.digest);
  const running = inflight.get(key);
  if (running) {
    await running;
    opts.onBytes?.(desc.size);
    return;
  }
  const p = download(store, client, repo, desc, opts).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

async function download(store: ImageStore, client: RegistryClient, repo: string, desc: Descriptor, opts: DownloadOptions): Promise<void> {
  const attempts = opts.attempts ?? 3;
  const part = join(store.blobs.tmp, `partial-${hexOf(desc.digest)}`);
  const fd = openSync(part, 'a+', 0o600);
  if (!tryFlockExclusive(fd, part)) {
    // Someone else is downloading this blob right now; do our own copy rather than wait on theirs.
    closeSync(fd);
    const res = await client.get(repo, `blobs/${desc.digest}`);
    let done = 0;
    await store.blobs.putStream(res, desc.digest, (n) => opts.onBytes?.((done += n)));
    return;
  }
  try {
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep((opts.retryDelayMs ?? 500) * attempt);
      let have = fstatSync(fd).size;
      if (have > desc.size) { ftruncateSync(fd, 0); have = 0; }
      try {
        if (have < desc.size || desc.size === 0) {
          const res = await client.get(repo, `blobs/${desc.digest}`, have > 0 ? { range: `bytes=${have}-` } : {});
          if (have > 0 && res.statusCode !== 206) { ftruncateSync(fd, 0); have = 0; } // the registry ignored the range
          let done = have;
          opts.onBytes?.(done);
          try {
            // Our own write loop: a WriteStream on a borrowed fd closes it when the response errors.
            for await (const chunk of res as AsyncIterable<Buffer>) {
              let off = 0;
              while (off < chunk.length) off += (await writeAsync(fd, chunk, off, chunk.length - off, null)).bytesWritten;
              done += chunk.length;
              opts.onBytes?.(done);
            }
            if (res.complete === false) throw new Error('connection closed before the end of the blob');
          } catch (e) {
            throw new ImageError('DOWNLOAD_INTERRUPTED', `blob ${desc.digest}: ${(e as Error).message}`, { cause: e });
          }
        }
        const got = await hashFile(part);
        if (got !== desc.digest) {
          ftruncateSync(fd, 0); // a corrupt partial is never resumed
          throw digestMismatch(`blob ${desc.digest}`, desc.digest, got);
        }
        store.blobs.adopt(part, desc.digest);
        return;
      } catch (e) {
        lastError = e;
        const code = e instanceof ImageError ? e.code : '';
        if (!RETRIABLE.has(code) || attempt === attempts - 1) throw e;
      }
    }
    throw lastError;
  } finally {
    funlock(fd);
    closeSync(fd);
  }
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) h.update(c);
  return 'sha256:' + h.digest('hex');
}
