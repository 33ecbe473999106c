// IPv4 addresses and CIDRs as unsigned 32-bit numbers: the arithmetic IPAM needs, nothing more.
// Pure; every parse failure is a NetError naming the text that failed.
import { NetError } from './errors.ts';

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefix: number;
}

export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw new NetError('NET_BAD_ADDRESS', `Invalid IPv4 address "${s}"`);
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) throw new NetError('NET_BAD_ADDRESS', `Invalid IPv4 address "${s}"`);
    n = n * 256 + o;
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `10.0.0.0/24`; a bare address is a /32. Host bits set in the text are cleared (`10.0.0.5/24` → 10.0.0.0/24). */
export function parseCidr(s: string): Cidr {
  const [ip, len, extra] = s.trim().split('/');
  const prefix = len === undefined ? 32 : Number(len);
  if (extra !== undefined || ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || (len !== undefined && !/^\d+$/.test(len))) {
    throw new NetError('NET_BAD_ADDRESS', `Invalid IPv4 subnet "${s}"`, { hint: 'write it as ADDRESS/PREFIX, e.g. 10.89.3.0/24' });
  }
  return { base: (parseIp(ip) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function last(c: Cidr): number {
  return c.base + size(c) - 1;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= last(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= last(b) && b.base <= last(a);
}
