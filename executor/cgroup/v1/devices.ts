// v1 `devices` controller: deny everything, then allow the nodes every container gets in its
// /dev (the same set docker allows by default) plus mknod of any node (docker keeps MKNOD;
// creating a node is harmless when opening it is denied), plus the service's own devices.
import type { DeviceRule } from '../types.ts';
import { writeValue } from '../files.ts';

const rule = (type: 'c' | 'b', major: number, minor: number, access = 'rwm'): DeviceRule => ({ allow: true, type, major, minor, access });

export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  rule('c', -1, -1, 'm'), // mknod any character device
  rule('b', -1, -1, 'm'), // mknod any block device
  rule('c', 1, 3), // /dev/null
  rule('c', 1, 5), // /dev/zero
  rule('c', 1, 7), // /dev/full
  rule('c', 1, 8), // /dev/random
  rule('c', 1, 9), // /dev/urandom
  rule('c', 5, 0), // /dev/tty
  rule('c', 5, 1), // /dev/console
  rule('c', 5, 2), // /dev/ptmx
  rule('c', 136, -1), // /dev/pts/*
  rule('c', 10, 200), // /dev/net/tun (docker allows it; the node itself is not created)
];

export function deviceRuleLine(r: DeviceRule): string {
  if (r.type === 'a') return 'a';
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** The writes, in order, that give a fresh devices cgroup exactly the wanted rules. */
export function deviceWrites(extra: DeviceRule[] | undefined, all: boolean | undefined): { file: 'devices.allow' | 'devices.deny'; line: string }[] {
  if (all) return [{ file: 'devices.allow', line: 'a' }];
  return [
    { file: 'devices.deny', line: 'a' },
    ...[...DEFAULT_DEVICE_RULES, ...(extra ?? [])].map((r) => ({ file: r.allow ? 'devices.allow' as const : 'devices.deny' as const, line: deviceRuleLine(r) })),
  ];
}

export function applyDevices(dir: string, extra: DeviceRule[] | undefined, all: boolean | undefined): void {
  for (const w of deviceWrites(extra, all)) writeValue(dir, w.file, w.line);
}
