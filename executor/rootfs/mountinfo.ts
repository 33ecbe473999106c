// Which paths are mount points, from /proc/self/mountinfo (field 5, octal-escaped).
import { readFileSync } from 'node:fs';

export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function mountPoints(text: string = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[4]) out.push(unescapeMountPath(f[4]));
  }
  return out;
}

export function isMountPoint(path: string, text?: string): boolean {
  return mountPoints(text).includes(path);
}
