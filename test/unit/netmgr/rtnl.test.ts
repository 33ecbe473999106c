import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, message, newAddr, newDefaultRoute, newVeth, getLink, parseReplies, setUp, RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, NLMSG_ERROR } from '../../../netmgr/rtnl.ts';

/** Walks the rtattrs of a payload: [type, data] pairs (nested flag kept in the type). */
function attrs(b: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let off = 0;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    out.push([b.readUInt16LE(off + 2), b.subarray(off + 4, off + len)]);
    off += (len + 3) & ~3;
  }
  return out;
}

test('rtattrs carry their unpadded length and are padded to 4 bytes', () => {
  const a = attr(3, Buffer.from('eth0\0'));
  assert.equal(a.length, 12);
  assert.equal(a.readUInt16LE(0), 9);
  assert.equal(a.readUInt16LE(2), 3);
});

test('a message header holds the total length, type, request+ack flags and sequence', () => {
  const m = message(RTM_NEWLINK, 0, 42, [Buffer.alloc(16)]);
  assert.equal(m.readUInt32LE(0), 32);
  assert.equal(m.readUInt16LE(4), RTM_NEWLINK);
  assert.equal(m.readUInt16LE(6) & 0x5, 0x5);
  assert.equal(m.readUInt32LE(8), 42);
  assert.equal(getLink(1, 'eth0').readUInt32LE(0), getLink(1, 'eth0').length);
});

test('a veth request creates the host end up on its bridge and the peer inside the namespace fd', () => {
  const m = newVeth(7, { name: 'tsv00000000001', masterIndex: 12, mtu: 1400, peer: { name: 'eth0', mac: '02:42:0a:59:00:02', netnsFd: 33, mtu: 1400 } });
  assert.equal(m.readUInt16LE(6) & 0x600, 0x600, 'CREATE|EXCL');
  assert.equal(m.readUInt32LE(16 + 8) & 1, 1, 'IFF_UP in ifi_flags');
  const top = attrs(m.subarray(32));
  const byType = new Map(top.map(([t, d]) => [t & 0x7fff, d]));
  assert.equal(byType.get(3)?.toString(), 'tsv00000000001\0');
  assert.equal(byType.get(4)?.readUInt32LE(0), 1400);
  assert.equal(byType.get(10)?.readUInt32LE(0), 12, 'IFLA_MASTER');
  const linkinfo = attrs(byType.get(18)!);
  assert.equal(linkinfo[0]?.[1].toString(), 'veth\0');
  const data = attrs(linkinfo[1]![1]);
  const peer = data[0]![1];
  const peerAttrs = new Map(attrs(peer.subarray(16)).map(([t, d]) => [t, d]));
  assert.equal(peerAttrs.get(3)?.toString(), 'eth0\0');
  assert.deepEqual([...peerAttrs.get(1)!], [0x02, 0x42, 0x0a, 0x59, 0x00, 0x02]);
  assert.equal(peerAttrs.get(28)?.readUInt32LE(0), 33, 'IFLA_NET_NS_FD');
});

test('address, link-up and default-route messages carry the index, prefix and gateway', () => {
  const a = newAddr(1, 5, '10.89.0.2', 24);
  assert.equal(a.readUInt16LE(4), RTM_NEWADDR);
  assert.deepEqual([a[16], a[17], a.readUInt32LE(20)], [2, 24, 5]);
  assert.deepEqual([...attrs(a.subarray(24))[0]![1]], [10, 89, 0, 2]);
  const u = setUp(2, 1);
  assert.equal(u.readInt32LE(16 + 4), 1);
  const r = newDefaultRoute(3, '10.89.0.1', 5);
  assert.equal(r.readUInt16LE(4), RTM_NEWROUTE);
  assert.equal(r[16 + 1], 0, 'dst_len 0 = default');
  assert.equal(r[16 + 4], 254, 'main table');
  const ra = new Map(attrs(r.subarray(28)).map(([t, d]) => [t, d]));
  assert.deepEqual([...ra.get(5)!], [10, 89, 0, 1]);
  assert.equal(ra.get(4)?.readUInt32LE(0), 5);
});

test('replies are split into messages with their errors and link indexes', () => {
  const err = Buffer.alloc(36); err.writeUInt32LE(36, 0); err.writeUInt16LE(NLMSG_ERROR, 4); err.writeUInt32LE(9, 8); err.writeInt32LE(-17, 16);
  const link = Buffer.alloc(32); link.writeUInt32LE(32, 0); link.writeUInt16LE(RTM_NEWLINK, 4); link.writeUInt32LE(10, 8); link.writeInt32LE(4, 20);
  const both = Buffer.concat([err, link]);
  assert.deepEqual(parseReplies(both, both.length), [{ seq: 9, type: NLMSG_ERROR, error: -17 }, { seq: 10, type: RTM_NEWLINK, index: 4 }]);
  assert.deepEqual(parseReplies(both, 20), [], 'a truncated message is not read');
});
