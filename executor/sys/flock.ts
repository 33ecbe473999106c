// flock(2) for the per-project lock. A kernel lock is released when its holder dies, even by
// kill -9, so a crashed command never leaves a lock that needs guessing about staleness.
// Always non-blocking: a blocking flock on Node's main thread would stall the event loop.
import { openSync, closeSync } from 'node:fs';
import { libc, lastErrno } from './libc.ts';
import { SysError } from '../../schema/errors.ts';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

const flockFn = libc.func('int flock(int fd, int op)');

/** Tries to take an exclusive lock on `fd`; false when another open file description holds it. */
export function tryFlockExclusive(fd: number, path?: string): boolean {
  const r = flockFn(fd, LOCK_EX | LOCK_NB) as number;
  if (r === 0) return true;
  const e = lastErrno();
  if (e === 'EWOULDBLOCK' || e === 'EAGAIN') return false;
  throw new SysError('flock', e, path);
}

export function funlock(fd: number): void {
  flockFn(fd, LOCK_UN);
}

/**
 * Runs `fn` holding an exclusive flock on `path` (created 0600 if missing). Polls with short,
 * growing sleeps instead of blocking (see above); calls `onTimeout` for the caller's own typed
 * error when the lock stays taken for `timeoutMs`.
 */
export async function withFileLock<T>(path: string, fn: () => T | Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  const fd = openSync(path, 'a', 0o600);
  try {
    const start = Date.now();
    for (let delay = 1; !tryFlockExclusive(fd, path); delay = Math.min(delay * 2, 50)) {
      if (Date.now() - start > timeoutMs) throw onTimeout();
      await new Promise((r) => setTimeout(r, delay));
    }
    try {
      return await fn();
    } finally {
      funlock(fd);
    }
  } finally {
    closeSync(fd);
  }
}
