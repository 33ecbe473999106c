// openat2(2) with RESOLVE_IN_ROOT through koffi: resolves a path as if `rootFd` were `/`, so ".."
// and absolute symlinks inside a container's rootfs stay inside it — the kernel does the walk,
// with no window between our check and our use. glibc 2.36 has no wrapper, so we go through
// syscall(2). Watch mode writes the developer's files into containers with it.
import { libc, lastErrno } from './libc.ts';
import { SysError } from '../../schema/errors.ts';

const SYS_openat2 = 437; // x86_64 and aarch64 share the number (asm-generic)

export const O_RDONLY = 0o0;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

const syscallFn = libc.func('long syscall(long number, ...)');
const openFn = libc.func('int open(const char *path, int flags, ...)');
const closeFn = libc.func('int close(int fd)');

/** open(2) a directory as an O_PATH handle: the anchor for openat2 walks. */
export function openRoot(path: string): number {
  const fd = Number(openFn(path, O_PATH | O_DIRECTORY | O_CLOEXEC, 'int', 0));
  if (fd === -1) throw new SysError('open root', lastErrno(), path);
  return fd;
}

/**
 * openat2(rootFd, path, {flags, mode, resolve}). `path` is relative to the root (a leading "/" is
 * fine with RESOLVE_IN_ROOT). Returns the fd; throws SysError with the errno (ENOENT, ENOTDIR,
 * EXDEV for an escape under RESOLVE_BENEATH, ELOOP…). `shown` is the path named in errors.
 */
export function openat2(rootFd: number, path: string, flags: number, resolve: number, mode = 0, shown = path): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const fd = Number(syscallFn(SYS_openat2, 'int', rootFd, 'const char *', path, 'void *', how, 'size_t', how.length));
  if (fd === -1) throw new SysError('openat2', lastErrno(), shown);
  return fd;
}

/**
 * close(2) through libc: fds from openat2 were not opened by Node's fs, and on a worker thread
 * Node warns for every such fd that fs.closeSync closes.
 */
export function closeFd(fd: number): void {
  closeFn(fd);
}
