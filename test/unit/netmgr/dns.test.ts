import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { startDns } from '../../../netmgr/dns.ts';
import { NameRegistry } from '../../../netmgr/registry.ts';
import type { NetworkState, Endpoint } from '../../../netmgr/state.ts';

function ep(id: string, name: string, service: string, address: string, names: string[]): Endpoint {
  return { containerId: id, name, service, names, address, mac: '02:42:00:00:00:00', ifname: 'eth0', veth: 'tsv0', netns: '/x' };
}

function network(endpoints: Endpoint[]): NetworkState {
  return {
    id: 'f'.repeat(64), name: 'p_default', bridge: 'tsc-ffffffff', subnet: '127.0.0.0/8', gateway: '127.0.0.1', reserved: [],
    internal: false, projects: ['p'], labels: {}, createdAt: '', endpoints: Object.fromEntries(endpoints.map((e) => [e.containerId, e])),
  };
}

async function query(port: number, name: string, type: 'A' | 'AAAA' = 'A'): Promise<dnsPacket.Packet> {
  const s = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      s.once('message', resolve);
      setTimeout(() => reject(new Error('no DNS answer within 2 s')), 2000);
    });
    s.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
    return dnsPacket.decode(await reply);
  } finally {
    s.close();
  }
}

function addrs(p: dnsPacket.Packet): string[] {
  return (p.answers ?? []).map((a) => (a as { data: string }).data);
}

test('our names get A records, other names are relayed to the upstream, and registry changes apply at once', async () => {
  let eps = [ep('1', 'p-web-1', 'web', '10.0.0.2', ['web', 'p-web-1']), ep('2', 'p-web-2', 'web', '10.0.0.3', ['web', 'p-web-2', 'alias2'])];
  const registry = new NameRegistry(() => [network(eps)]);
  // A fake upstream on loopback: answers every query with 192.0.2.99.
  const up = createSocket('udp4');
  up.on('message', (m, r) => {
    const q = dnsPacket.decode(m);
    up.send(dnsPacket.encode({ type: 'response', id: q.id, questions: q.questions, answers: [{ type: 'A', name: q.questions![0]!.name, data: '192.0.2.99' }] }), r.port, r.address);
  });
  await new Promise<void>((r) => up.bind(0, '127.0.0.1', () => r()));
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const port = probe.address().port;
  probe.close();
  const dns = await startDns(registry, { port, upstreams: [`127.0.0.1:${up.address().port}`] });
  try {
    assert.deepEqual(addrs(await query(port, 'web')).sort(), ['10.0.0.2', '10.0.0.3']);
    assert.deepEqual(addrs(await query(port, 'alias2')), ['10.0.0.3']);
    assert.deepEqual(addrs(await query(port, 'WEB.')).length, 2, 'names are case-insensitive, a trailing dot is ignored');
    assert.deepEqual(addrs(await query(port, 'web', 'AAAA')), [], 'no AAAA for our names, and no NXDOMAIN either');
    const a = addrs(await query(port, 'web'))[0];
    const b = addrs(await query(port, 'web'))[0];
    assert.notEqual(a, b, 'replicas are rotated');
    assert.deepEqual(addrs(await query(port, 'example.org')), ['192.0.2.99'], 'other names go upstream');
    // TCP (2-byte length prefix) answers the same.
    const tcpReply = await new Promise<dnsPacket.Packet>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { sock.destroy(); resolve(dnsPacket.decode(buf.subarray(2))); }
      });
      sock.on('error', reject);
      setTimeout(() => { sock.destroy(); reject(new Error('no TCP answer within 2 s')); }, 2000);
      const q = dnsPacket.encode({ type: 'query', id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'p-web-1' }] });
      const head = Buffer.alloc(2); head.writeUInt16BE(q.length);
      sock.write(Buffer.concat([head, q]));
    });
    assert.deepEqual(addrs(tcpReply), ['10.0.0.2']);
    eps = [eps[0]!];
    registry.reload();
    assert.deepEqual(addrs(await query(port, 'web')), ['10.0.0.2']);
    assert.deepEqual(addrs(await query(port, 'alias2')), ['192.0.2.99'], 'a removed container is no longer ours');
  } finally {
    await dns.close();
    registry.close();
    up.close();
  }
});
