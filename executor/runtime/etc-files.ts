// Reads /etc/passwd and /etc/group from a container rootfs (the merged overlay dir, or
// /proc/<pid>/root of a running container) for user resolution. A symlink there could point at
// a host file, so symlinks are refused and a missing file reads as empty (docker's behaviour
// for images without /etc/passwd: numeric users still work).
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readContainerEtc(rootfs: string, file: 'passwd' | 'group'): string {
  const p = join(rootfs, 'etc', file);
  try {
    if (!lstatSync(p).isFile() || !lstatSync(join(rootfs, 'etc')).isDirectory()) return '';
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
