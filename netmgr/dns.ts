// The embedded DNS server, hosted by the supervisor: one UDP and one TCP socket on the gateway
// address of each of our networks (so the address a query arrives on tells the network, and names
// are scoped per network). Our names get A records; everything else is relayed to the container's
// `dns:` servers or the host's resolvers (the host's view: a loopback resolver on the host works).
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import type { NameRegistry } from './registry.ts';
import { nameservers } from './resolv.ts';

export interface DnsOptions {
  port?: number;
  /** Upstreams for names that are not ours; default: the host's /etc/resolv.conf nameservers. */
  upstreams?: string[];
  timeoutMs?: number;
  ttl?: number;
  onError?: (e: unknown) => void;
}

export interface DnsServer {
  /** Gateway addresses currently served. */
  addresses(): string[];
  /** Binds new networks' gateways and closes removed ones (also runs on every registry change). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

type Packet = dnsPacket.Packet;

export async function startDns(registry: NameRegistry, o: DnsOptions = {}): Promise<DnsServer> {
  const port = o.port ?? 53;
  const ttl = o.ttl ?? 0; // names follow containers as they are recreated: never let clients cache them
  // TSCOMPOSE_DNS_UPSTREAMS (comma-separated, empty = none) overrides the host's resolvers: test
  // environments set it empty so no query for a foreign name ever leaves the machine.
  const fromEnv = process.env.TSCOMPOSE_DNS_UPSTREAMS;
  const hostUpstreams = o.upstreams
    ?? (fromEnv !== undefined ? fromEnv.split(',').map((x) => x.trim()).filter(Boolean) : undefined)
    ?? (() => { try { return nameservers(readFileSync('/etc/resolv.conf', 'utf8')); } catch { return []; } })();
  const bound = new Map<string, { udp: Socket; tcp: Server }>();
  let closed = false;

  async function answer(gateway: string, from: string, msg: Buffer): Promise<Buffer | undefined> {
    let q: Packet;
    try { q = dnsPacket.decode(msg); } catch { return undefined; }
    const question = q.questions?.[0];
    if (!question) return undefined;
    // Only A queries turn the round robin: resolvers also ask AAAA for the same name each time.
    const ours = registry.resolve(gateway, question.name, question.type === 'A');
    const known = ours.length > 0;
    if (known) {
      const answers = question.type === 'A' || (question.type as string) === 'ANY'
        ? ours.map((a) => ({ type: 'A' as const, name: question.name, ttl, class: 'IN' as const, data: a }))
        : [];
      return dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions, answers });
    }
    const ups = registry.endpointAt(gateway, from)?.dns ?? hostUpstreams;
    for (const up of ups) {
      const r = await relay(up, msg, o.timeoutMs ?? 2000).catch(() => undefined);
      if (r) return r;
    }
    // No upstream at all: the name does not exist as far as we know (NXDOMAIN lets resolvers go on to
    // the next search domain or the bare name); upstreams that did not answer: SERVFAIL.
    const rcode = ups.length === 0 ? 3 /* NXDOMAIN */ : 2 /* SERVFAIL */;
    return dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions });
  }

  async function bind(gateway: string): Promise<void> {
    const udp = createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (msg, rinfo) => {
      answer(gateway, rinfo.address, msg).then((r) => { if (r && !closed) udp.send(r, rinfo.port, rinfo.address); }, o.onError);
    });
    udp.on('error', (e) => o.onError?.(e));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, gateway, () => { udp.off('error', reject); resolve(); });
    });
    const tcp = createServer((sock) => serveTcp(sock, gateway));
    tcp.on('error', (e) => o.onError?.(e));
    await new Promise<void>((resolve) => {
      // TCP is a fallback for large answers; if it cannot bind (in use), UDP still serves.
      tcp.once('error', () => resolve());
      tcp.listen({ port, host: gateway }, () => resolve());
    });
    if (closed) { udp.close(); tcp.close(); return; }
    bound.set(gateway, { udp, tcp });
  }

  function serveTcp(sock: TcpSocket, gateway: string): void {
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        answer(gateway, sock.remoteAddress?.replace(/^::ffff:/, '') ?? '', msg).then((r) => {
          if (!r || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(r.length);
          sock.write(Buffer.concat([head, r]));
        }, o.onError);
      }
    });
  }

  // Registry changes come in bursts; syncs run one at a time so a gateway is never bound twice
  // (a second UDP socket would bind fine with reuseAddr and then leak, keeping the process alive).
  let chain: Promise<void> = Promise.resolve();
  function sync(): Promise<void> {
    chain = chain.then(syncNow, syncNow);
    return chain;
  }

  async function syncNow(): Promise<void> {
    if (closed) return;
    const want = new Set(registry.networks().map((n) => n.gateway));
    for (const [gw, s] of bound) {
      if (!want.has(gw)) { bound.delete(gw); s.udp.close(); s.tcp.close(); }
    }
    for (const gw of want) {
      if (bound.has(gw) || closed) continue;
      // The bridge may be gone (network being removed): skip it, the next change retries.
      await bind(gw).catch((e) => o.onError?.(e));
    }
  }

  registry.watchFiles();
  const off = registry.onChange(() => { sync().catch(o.onError); });
  await sync();
  return {
    addresses: () => [...bound.keys()].sort(),
    sync,
    async close() {
      closed = true;
      off();
      await chain.catch(() => undefined);
      for (const s of bound.values()) {
        await new Promise<void>((r) => s.udp.close(() => r()));
        await new Promise<void>((r) => s.tcp.close(() => r()));
      }
      bound.clear();
    },
  };
}

/** Relays one query to `upstream` (`ADDRESS` or, for IPv4, `ADDRESS:PORT`). */
function relay(upstream: string, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(upstream);
  const host = m?.[1] ?? upstream;
  const port = m?.[2] ? Number(m[2]) : 53;
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error(`DNS upstream ${upstream} timed out`)); }, timeoutMs);
    s.once('message', (r) => { clearTimeout(timer); s.close(); resolve(r); });
    s.once('error', (e) => { clearTimeout(timer); s.close(); reject(e); });
    s.send(msg, port, host);
  });
}
