// Published ports, by nftables DNAT (docs/networking.md says why not a userland proxy).
// Pure part: PortConfig (schema's long syntax) → wanted bindings. Effects: a port is free when we can
// bind it right now and no DNAT of ours (any state root: the kernel table is the truth) claims it;
// a random host port is one the kernel hands out for port 0.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { PortConfig } from '../schema/model.ts';
import { NetError } from './errors.ts';
import type { NetOps } from './exec.ts';
import { withHostLock } from './lock.ts';
import { publishScript, unpublishScript } from './nft.ts';
import { tableView } from './networks.ts';
import { deletePorts, readPorts, writePorts, type PublishedPort } from './state.ts';

export interface WantedPort {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  /** Candidate host ports: one, a range to pick from, or empty = random. */
  hostPorts: number[];
  containerPort: number;
}

/** Expands the long syntax into bindings; IPv6 host addresses and sctp are refused with a clear error. */
export function wantedPorts(service: string, ports: PortConfig[]): WantedPort[] {
  return ports.map((p) => {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') {
      throw new NetError('NET_PORT_CONFLICT', `Cannot publish port ${p.target}/${p.protocol} of service "${service}": only tcp and udp are supported`);
    }
    const hostIp = !p.host_ip || p.host_ip === '0.0.0.0' ? '0.0.0.0' : p.host_ip;
    if (hostIp.includes(':')) {
      throw new NetError('NET_PORT_CONFLICT', `Cannot publish port ${p.target} of service "${service}" on "${hostIp}": IPv6 host addresses are not supported yet`);
    }
    return { protocol: p.protocol, hostIp, hostPorts: portRange(service, p.published), containerPort: p.target };
  });
}

function portRange(service: string, published: string | undefined): number[] {
  if (published === undefined || published === '') return [];
  const m = /^(\d+)(?:-(\d+))?$/.exec(published);
  const lo = Number(m?.[1]);
  const hi = m?.[2] === undefined ? lo : Number(m[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) {
    throw new NetError('NET_PORT_CONFLICT', `Invalid published port "${published}" of service "${service}"`);
  }
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

export function formatBinding(p: PublishedPort): string {
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/** Binds hostIp:port briefly; resolves the bound port (port 0 = kernel's choice), or undefined when in use. */
export function probePort(protocol: 'tcp' | 'udp', hostIp: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(undefined);
      else reject(new NetError('NET_PORT_CONFLICT', `Cannot bind ${hostIp}:${port}/${protocol}: ${e.code ?? e.message}`, { cause: e }));
    };
    if (protocol === 'tcp') {
      const s = createServer();
      s.once('error', fail);
      s.listen({ host: hostIp, port, exclusive: true }, () => {
        const got = (s.address() as { port: number }).port;
        s.close(() => resolve(got));
      });
    } else {
      const s = createSocket('udp4');
      s.once('error', fail);
      s.bind({ address: hostIp, port, exclusive: true }, () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    }
  });
}

function claimKey(p: { protocol: string; hostIp: string }, port: number): string[] {
  // A port on 0.0.0.0 clashes with the same port on any address, and the reverse.
  return p.hostIp === '0.0.0.0' ? [`pub_${p.protocol}_any ${port}`] : [`pub_${p.protocol}_any ${port}`, `pub_${p.protocol} ${p.hostIp} . ${port}`];
}

/** The map element an entry lives in, as TableView.published lists it. */
function elementKey(p: PublishedPort): string {
  return p.hostIp === '0.0.0.0' ? `pub_${p.protocol}_any ${p.hostPort}` : `pub_${p.protocol} ${p.hostIp} . ${p.hostPort}`;
}

function claimedBy(claimed: string[], p: { protocol: string; hostIp: string }, port: number): boolean {
  const keys = claimKey(p, port);
  if (keys.some((k) => claimed.includes(k))) return true;
  // Ours on a specific address, asked for 0.0.0.0.
  return p.hostIp === '0.0.0.0' && claimed.some((k) => k.startsWith(`pub_${p.protocol} `) && k.endsWith(` . ${port}`));
}

export interface PublishTarget {
  id: string;
  name: string;
  service: string;
  containerIp: string;
}

/** DNATs the container's published ports; records them first so unpublish (or down after a crash) finds them. */
export function publish(ops: NetOps, t: PublishTarget, ports: PortConfig[]): Promise<PublishedPort[]> {
  const wanted = wantedPorts(t.service, ports);
  return withHostLock(async () => {
    const already = readPorts(t.id);
    if (already) return already.ports;
    const claimed = [...((await tableView(ops))?.published ?? [])];
    const out: PublishedPort[] = [];
    for (const w of wanted) {
      let got: number | undefined;
      if (w.hostPorts.length === 0) {
        got = await probePort(w.protocol, w.hostIp, 0);
      } else {
        for (const port of w.hostPorts) {
          if (claimedBy(claimed, w, port)) continue;
          got = await probePort(w.protocol, w.hostIp, port);
          if (got !== undefined) break;
        }
      }
      if (got === undefined) {
        const shown = w.hostPorts.length > 1 ? `${w.hostPorts[0]}-${w.hostPorts[w.hostPorts.length - 1]}` : `${w.hostPorts[0]}`;
        throw new NetError('NET_PORT_CONFLICT',
          `Cannot publish port "${shown}" of service "${t.service}": ${w.hostIp}:${shown}/${w.protocol} is already in use`,
          { hint: 'stop what uses it, or publish another host port' });
      }
      const p: PublishedPort = { protocol: w.protocol, hostIp: w.hostIp, hostPort: got, containerIp: t.containerIp, containerPort: w.containerPort };
      claimed.push(...claimKey(p, got));
      out.push(p);
    }
    writePorts({ containerId: t.id, name: t.name, service: t.service, ports: out });
    await ops.nft(publishScript(out));
    return out;
  });
}

/** Removes the container's DNAT entries (only those the kernel still has). Idempotent. */
export function unpublish(ops: NetOps, id: string): Promise<void> {
  return withHostLock(async () => {
    const rec = readPorts(id);
    if (!rec) return;
    const view = await tableView(ops);
    if (view) {
      const present = rec.ports.filter((p) => view.published.includes(elementKey(p)));
      await ops.nft(unpublishScript(present));
    }
    deletePorts(id);
  });
}
