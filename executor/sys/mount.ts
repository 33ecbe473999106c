// mount(2), umount2(2) and the new mount API (fsopen/fsconfig/fsmount/move_mount) through koffi.
// General on purpose: the rootfs layer mounts overlays with it, netmgr bind-mounts namespace files,
// the runtime may remount. Mounting in-process costs microseconds; a `mount` spawn costs ~1.8 ms
// (FACTS.md), which is most of a container's rootfs setup budget.
import { readSync, closeSync } from 'node:fs';
import { libc, check, lastErrno } from './libc.ts';
import { SysError } from '../../schema/errors.ts';

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_STRICTATIME = 0x1000000;

export const MNT_FORCE = 0x1;
export const MNT_DETACH = 0x2;
export const MNT_EXPIRE = 0x4;
export const UMOUNT_NOFOLLOW = 0x8;

const mountFn = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
const umount2Fn = libc.func('int umount2(const char *target, int flags)');

/** mount(2). `source`, `fstype` and `data` may be null (e.g. for MS_PRIVATE or MS_REMOUNT). */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(`mount ${fstype ?? ''}${source ? ` ${source}` : ''} on`, mountFn(source, target, fstype, flags, data) as number, target);
}

/** umount2(2). Throws SysError (errno EINVAL when `target` is not a mount point, ENOENT when missing). */
export function umount2(target: string, flags = 0): void {
  check('umount', umount2Fn(target, flags) as number, target);
}

// ---- new mount API (Linux >= 5.2; overlay "lowerdir+" needs >= 6.8) ----
// Why: overlay's lowerdir list travels in one mount data page (4 KiB) with mount(2). With fsconfig
// each lower dir is its own "lowerdir+" call, so a 120-layer image mounts with absolute paths.
export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_CMD_CREATE = 6;
const FSOPEN_CLOEXEC = 0x1;
const FSMOUNT_CLOEXEC = 0x1;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
const AT_FDCWD = -100;

type Fn = (...args: unknown[]) => unknown;
function optional(proto: string): Fn | undefined {
  try { return libc.func(proto) as Fn; } catch { return undefined; }
}
const fsopenFn = optional('int fsopen(const char *fsname, unsigned int flags)');
const fsconfigFn = optional('int fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux)');
const fsmountFn = optional('int fsmount(int fd, unsigned int flags, unsigned int attr_flags)');
const moveMountFn = optional('int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags)');

export function hasNewMountApi(): boolean {
  return !!(fsopenFn && fsconfigFn && fsmountFn && moveMountFn);
}

/** One fsconfig(2) parameter: a flag (`value` null) or a string. */
export interface FsParam { key: string; value: string | null }

/**
 * Creates a filesystem through fsopen → fsconfig(params…) → CMD_CREATE → fsmount → move_mount onto
 * `target`. On failure the kernel's own message (read from the fs context) becomes the error hint.
 */
export function mountFs(fstype: string, target: string, params: FsParam[]): void {
  if (!hasNewMountApi()) throw new SysError('fsopen', 'ENOSYS', fstype);
  const fsfd = check(`fsopen ${fstype}`, fsopenFn!(fstype, FSOPEN_CLOEXEC) as number);
  try {
    for (const p of params) {
      const r = p.value === null
        ? fsconfigFn!(fsfd, FSCONFIG_SET_FLAG, p.key, null, 0) as number
        : fsconfigFn!(fsfd, FSCONFIG_SET_STRING, p.key, p.value, 0) as number;
      if (r === -1) throw fsError(fsfd, `fsconfig ${fstype} ${p.key}`, p.value ?? undefined);
    }
    if ((fsconfigFn!(fsfd, FSCONFIG_CMD_CREATE, null, null, 0) as number) === -1) throw fsError(fsfd, `fsconfig ${fstype} create`, target);
    const mfd = fsmountFn!(fsfd, FSMOUNT_CLOEXEC, 0) as number;
    if (mfd === -1) throw fsError(fsfd, `fsmount ${fstype}`, target);
    try {
      check(`move_mount ${fstype} to`, moveMountFn!(mfd, '', AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) as number, target);
    } finally {
      closeSync(mfd);
    }
  } finally {
    closeSync(fsfd);
  }
}

function fsError(fsfd: number, op: string, path?: string): SysError {
  const errno = lastErrno();
  let log = '';
  try {
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < 8; i++) {
      const n = readSync(fsfd, buf, 0, buf.length, null);
      if (n <= 0) break;
      log += buf.subarray(0, n).toString('utf8').trim() + '; ';
    }
  } catch { /* ENODATA: the kernel left no message */ }
  return new SysError(op, errno, path, log ? { hint: `kernel: ${log.replace(/; $/, '')}` } : {});
}
