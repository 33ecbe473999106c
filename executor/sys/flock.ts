// flock(2) for the per-project lock. A kernel lock is released when its holder dies, even by
// kill -9, so a crashed command never leaves a lock that needs guessing about staleness.
// Always non-blocking: a blocking flock on Node's main thread would stall the event loop.
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
