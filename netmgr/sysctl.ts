// Host sysctls we change. Each change to a host-wide value is recorded where every tscompose process
// can find it (the nft table's comment, see nft.ts) and restored when our last network goes.
// Per-interface values on our own bridges (route_localnet) go away with the bridge.
import { readFileSync, writeFileSync } from 'node:fs';
import { SysError } from '../schema/errors.ts';

export interface Sysctl {
  read(key: string): string;
  write(key: string, value: string): void;
}

function file(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

export const realSysctl: Sysctl = {
  read(key) {
    try {
      return readFileSync(file(key), 'utf8').trim();
    } catch (e) {
      throw new SysError('read sysctl', (e as NodeJS.ErrnoException).code ?? 'EIO', key);
    }
  },
  write(key, value) {
    try {
      writeFileSync(file(key), value);
    } catch (e) {
      throw new SysError(`write sysctl ${value} to`, (e as NodeJS.ErrnoException).code ?? 'EIO', key);
    }
  },
};

/** sysctl key of one interface's setting (`net.ipv4.conf.tsc-1a2b3c4d.route_localnet`). */
export function ifaceKey(ifname: string, setting: string): string {
  return `net.ipv4.conf.${ifname}.${setting}`;
}
