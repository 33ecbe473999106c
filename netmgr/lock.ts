// One host-wide lock for the host objects every tscompose process shares: the nft table, the
// ip_forward sysctl, subnet choice. It cannot live under $TSCOMPOSE_RUN (tests and users may run
// several state roots at once, all sharing one kernel), so it is a fixed file in /run/lock.
// A kernel flock: released when the holder dies, kill -9 included. In-process callers queue on a
// promise chain first, because two flocks from one process on two descriptors would deadlock.
import { mkdirSync } from 'node:fs';
import { withFileLock } from '../executor/sys/flock.ts';
import { NetError } from './errors.ts';

export const HOST_LOCK = '/run/lock/tscompose-net.lock';

let chain: Promise<unknown> = Promise.resolve();

export function withHostLock<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const next = chain.then(() => locked(fn, timeoutMs));
  chain = next.catch(() => undefined);
  return next;
}

async function locked<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  mkdirSync('/run/lock', { recursive: true });
  return withFileLock(HOST_LOCK, fn, timeoutMs,
    () => new NetError('NET_COMMAND', `Timed out waiting for ${HOST_LOCK}`, { hint: 'another tscompose process is changing networks' }));
}
