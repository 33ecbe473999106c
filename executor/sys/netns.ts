// Network namespaces made ahead of time from Node's main thread (ARCHITECTURE.md "Container launch").
// unshare(CLONE_NEWNET) and setns(fd, CLONE_NEWNET) apply to the calling thread only, which the kernel
// allows for a multithreaded process (unlike mount or user namespaces). Everything below runs on the
// main thread synchronously, so no other JavaScript runs (and opens sockets) while the thread sits
// in the new namespace. /proc/thread-self is opened by libc here, not by Node's fs: fs calls run on
// libuv worker threads, whose thread-self is a different thread.
import { writeFileSync, unlinkSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { libc, check, lastErrno } from './libc.ts';
import { mount, umount2, MS_BIND, MNT_DETACH } from './mount.ts';
import { SysError } from '../../schema/errors.ts';

const CLONE_NEWNET = 0x40000000;
const O_RDONLY = 0;
const O_CLOEXEC = 0x80000;

const unshareFn = libc.func('int unshare(int flags)');
const setnsFn = libc.func('int setns(int fd, int nstype)');
const openFn = libc.func('int open(const char *path, int flags)');
const closeFn = libc.func('int close(int fd)');

/**
 * Creates a new network namespace and pins it by bind-mounting it onto `file` (created if missing).
 * The calling thread is back in its original namespace when this returns, error or not.
 */
export function makeNetns(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, '', { mode: 0o444 });
  const orig = check('open', openFn('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC) as number, '/proc/thread-self/ns/net');
  try {
    check('unshare CLONE_NEWNET', unshareFn(CLONE_NEWNET) as number);
    try {
      mount('/proc/thread-self/ns/net', file, null, MS_BIND);
    } finally {
      // If this failed the thread would stay in the new namespace and every later socket of this
      // process would land there: that is not recoverable, so it is loud.
      if ((setnsFn(orig, CLONE_NEWNET) as number) !== 0) {
        const e = lastErrno();
        throw new SysError('setns back to the host network namespace', e, file, { hint: 'the process is in a wrong network namespace; restart it' });
      }
    }
  } catch (e) {
    try { unlinkSync(file); } catch { /* keep the first error */ }
    throw e;
  } finally {
    closeFn(orig);
  }
}

/** Unpins a namespace made by makeNetns; the namespace (and veths inside it) goes when nothing else holds it. Idempotent. */
export function dropNetns(file: string): void {
  try {
    umount2(file, MNT_DETACH);
  } catch (e) {
    // EINVAL: not a mount point (already unmounted); ENOENT: already gone.
    if (!(e instanceof SysError && (e.errno === 'EINVAL' || e.errno === 'ENOENT'))) throw e;
  }
  try { unlinkSync(file); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SysError('unlink', (e as NodeJS.ErrnoException).code ?? 'EIO', file);
  }
}

/** True when `file` is a pinned namespace: a mount point of type nsfs (a crash can leave a plain empty file). */
export function isNetnsPinned(file: string): boolean {
  return pinnedNetns().has(file);
}

/** Every nsfs mount point (pinned namespace files), read once from /proc/self/mountinfo. */
export function pinnedNetns(): Set<string> {
  const out = new Set<string>();
  // Field 5 is the mount point; the fs type follows the "-" separator.
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!line.includes(' - nsfs ')) continue;
    const mp = line.split(' ')[4];
    if (mp) out.add(mp.replace(/\\040/g, ' '));
  }
  return out;
}
