// File-system node calls Node's fs module lacks: mknod (device nodes, overlay whiteouts) and
// extended attributes (xattrs from image layers, overlay's opaque marker). Symlinks are never
// followed (lsetxattr/lgetxattr), because image layers are untrusted.
import { libc, check, lastErrno } from './libc.ts';

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

const mknodFn = libc.func('int mknod(const char *path, unsigned int mode, unsigned long dev)');
const lsetxattrFn = libc.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)');
const lgetxattrFn = libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)');

/** Linux's dev_t encoding of (major, minor), as makedev(3). */
export function makedev(major: number, minor: number): number {
  // Fits in 2^53 for any realistic major/minor; BigInt would cost a conversion per node.
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) * 0x1000) + (major & ~0xfff) * 0x100000000;
}

/** mknod(2): `type` is S_IFCHR, S_IFBLK or S_IFIFO; `perm` the permission bits. */
export function mknod(path: string, type: number, perm: number, major = 0, minor = 0): void {
  check('mknod', mknodFn(path, type | (perm & 0o7777), makedev(major, minor)) as number, path);
}

/** lsetxattr(2) without following a final symlink. */
export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  const buf = typeof value === 'string' ? Buffer.from(value) : value;
  check(`setxattr ${name}`, lsetxattrFn(path, name, buf, buf.length, 0) as number, path);
}

/** lgetxattr(2); undefined when the attribute is absent (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(4096);
  const n = Number(lgetxattrFn(path, name, buf, buf.length));
  if (n === -1) {
    const e = lastErrno();
    if (e === 'ENODATA') return undefined;
    check(`getxattr ${name}`, -1, path);
  }
  return buf.subarray(0, n);
}
