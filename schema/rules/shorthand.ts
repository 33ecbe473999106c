// Parsers for the short syntaxes that pack several fields into one string: ports
// (`127.0.0.1:8000-8001:80-81/udp`), volumes (`./data:/data:ro,z`), devices (`/dev/a:/dev/b:rw`).
import { Bad } from './values.ts';

export interface LongPort {
  mode: 'ingress';
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function range(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 0 || b > 65535 || b < a) return undefined;
  return [a, b];
}

/** `[[host_ip:]published:]target[/protocol]`, ranges expanded like docker's nat.ParsePortSpecs. */
export function parsePort(spec: string): LongPort[] | Bad {
  const bad = new Bad(`invalid port "${spec}": expected [[host_ip:]published:]target[/protocol], e.g. "127.0.0.1:8080:80/tcp"`);
  let s = spec.trim();
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1).toLowerCase();
    s = s.slice(0, slash);
    if (!PROTOCOLS.has(protocol)) return new Bad(`invalid port "${spec}": unknown protocol "${protocol}"`);
  }
  let hostIp = '';
  let published = '';
  let target = s;
  const last = s.lastIndexOf(':');
  if (last >= 0) {
    target = s.slice(last + 1);
    const rest = s.slice(0, last);
    const mid = rest.lastIndexOf(':');
    if (mid >= 0) {
      published = rest.slice(mid + 1);
      hostIp = rest.slice(0, mid);
      if (hostIp.startsWith('[') && hostIp.endsWith(']')) hostIp = hostIp.slice(1, -1);
      if (!isIP(hostIp)) return new Bad(`invalid port "${spec}": "${hostIp}" is not an IP address`);
    } else {
      published = rest;
    }
  }
  const t = range(target);
  if (!t || t[0] === 0) return bad;
  const p = published === '' ? undefined : range(published);
  if (published !== '' && !p) return bad;
  const base = (target: number, pub: string | undefined): LongPort => ({
    mode: 'ingress',
    ...(hostIp ? { host_ip: hostIp } : {}),
    target,
    ...(pub !== undefined ? { published: pub } : {}),
    protocol,
  });
  const n = t[1] - t[0] + 1;
  if (n === 1) return [base(t[0], published === '' ? undefined : published)];
  if (p && p[1] - p[0] + 1 !== n) {
    return new Bad(`invalid port "${spec}": the published range and the target range differ in size`);
  }
  const out: LongPort[] = [];
  for (let i = 0; i < n; i++) out.push(base(t[0] + i, p ? String(p[0] + i) : undefined));
  return out;
}

export interface ShortVolume {
  source?: string;
  target: string;
  mode: string[];
}

export function splitVolume(spec: string): ShortVolume | Bad {
  const parts = spec.split(':');
  if (parts.length === 1) return { target: parts[0]!, mode: [] };
  if (parts.length === 2) return { source: parts[0]!, target: parts[1]!, mode: [] };
  if (parts.length === 3) return { source: parts[0]!, target: parts[1]!, mode: parts[2]!.split(',') };
  return new Bad(`invalid volume "${spec}": expected [source:]target[:mode]`);
}

/** node:net's isIP, loaded on first use (the module costs a few ms of every CLI start). */
function isIP(s: string): boolean {
  return process.getBuiltinModule('node:net').isIP(s) !== 0;
}

export function isPathLike(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}
