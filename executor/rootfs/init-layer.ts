// The init layer: the topmost lower dir of every container (above the image layers), holding
// what the engine provides and the image must not (ARCHITECTURE.md): /etc/hosts, /etc/hostname,
// /etc/resolv.conf and stubs for mount points (docker's init layer). Directories it has to create
// copy owner and mode from the image, because in overlay the topmost layer's directory metadata wins.
import { chmodSync, chownSync, lstatSync, mkdirSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { ImageError } from '../image/errors.ts';

/** Mount points every container needs, as in docker's init layer. */
export const STANDARD_STUBS = ['/proc', '/sys', '/dev'];

export function cleanContainerPath(p: string): string {
  const n = posix.normalize('/' + p);
  if (n === '/' || n.split('/').includes('..')) throw new ImageError('BAD_PATH', `bad container path ${JSON.stringify(p)}`);
  return n.replace(/\/$/, '');
}

/** Writes the init layer into `dir` (recreated), looking up image metadata in `layersTopFirst`. */
export function writeInitLayer(dir: string, layersTopFirst: string[], files: Record<string, string>, mountPoints: string[], fileMountPoints: string[] = []): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o755 });
  const inImage = (p: string): Stats | undefined => {
    for (const l of layersTopFirst) {
      try { return lstatSync(l + p); } catch { /* not in this layer */ }
    }
    return undefined;
  };
  const ensureDir = (p: string): boolean => {
    // Returns false when the image has a non-directory there (a symlink like /var/run → /run).
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += '/' + part;
      const have = safeLstat(dir + cur);
      if (have?.isDirectory()) continue;
      const img = inImage(cur);
      if (img && !img.isDirectory()) return false;
      mkdirSync(dir + cur, { mode: 0o755 });
      if (img) {
        chownSync(dir + cur, img.uid, img.gid);
        chmodSync(dir + cur, img.mode & 0o7777);
      }
    }
    return true;
  };
  for (const [p, content] of Object.entries(files)) {
    const abs = cleanContainerPath(p);
    if (!ensureDir(posix.dirname(abs))) continue;
    writeFileSync(dir + abs, content, { mode: 0o644 });
  }
  for (const p of [...STANDARD_STUBS, ...mountPoints]) ensureDir(cleanContainerPath(p));
  // File targets (bind-mounted files, secrets): an empty file only where the image has nothing,
  // since a stub above an image file would hide its content.
  for (const p of fileMountPoints) {
    const abs = cleanContainerPath(p);
    if (inImage(abs) || safeLstat(dir + abs) || !ensureDir(posix.dirname(abs))) continue;
    writeFileSync(dir + abs, '', { mode: 0o644 });
  }
}

function safeLstat(p: string): Stats | undefined {
  try { return lstatSync(p); } catch { return undefined; }
}
