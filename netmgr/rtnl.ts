// A small rtnetlink codec (pure): the few messages a container's network needs — a veth pair with
// its peer born inside the container's namespace, link up, an address, a default route — and the
// replies' error codes and link indexes. Byte layouts from linux/netlink.h, rtnetlink.h, if_link.h
// (host byte order; x86_64 and arm64 are little endian).
export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const AF_UNSPEC = 0;
const AF_INET = 2;
const IFF_UP = 0x1;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RTN_UNICAST = 1;
const NLA_F_NESTED = 0x8000;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One rtattr: 4-byte header + payload, padded to 4. */
export function attr(type: number, data: Buffer): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}

const str = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const nested = (type: number, parts: Buffer[]) => attr(type | NLA_F_NESTED, Buffer.concat(parts));

function ip4(s: string): Buffer {
  return Buffer.from(s.split('.').map(Number));
}

function mac(s: string): Buffer {
  return Buffer.from(s.split(':').map((h) => parseInt(h, 16)));
}

function ifinfo(index: number, flags: number, change: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

/** A whole netlink message: 16-byte header + body. */
export function message(type: number, flags: number, seq: number, body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + payload.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_ACK, 6);
  h.writeUInt32LE(seq, 8);
  h.writeUInt32LE(0, 12);
  return Buffer.concat([h, payload]);
}

export interface VethRequest {
  name: string;
  masterIndex: number;
  mtu?: number;
  peer: { name: string; mac: string; mtu?: number; netnsFd: number };
}

/** `ip link add NAME [mtu] master BR up type veth peer name PEER address MAC [mtu] netns FD` as one message. */
export function newVeth(seq: number, v: VethRequest): Buffer {
  const peer = Buffer.concat([
    ifinfo(0, 0, 0),
    attr(IFLA_IFNAME, str(v.peer.name)),
    attr(IFLA_ADDRESS, mac(v.peer.mac)),
    ...(v.peer.mtu ? [attr(IFLA_MTU, u32(v.peer.mtu))] : []),
    attr(IFLA_NET_NS_FD, u32(v.peer.netnsFd)),
  ]);
  return message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq, [
    ifinfo(0, IFF_UP, IFF_UP),
    attr(IFLA_IFNAME, str(v.name)),
    ...(v.mtu ? [attr(IFLA_MTU, u32(v.mtu))] : []),
    attr(IFLA_MASTER, u32(v.masterIndex)),
    nested(IFLA_LINKINFO, [attr(IFLA_INFO_KIND, str('veth')), nested(IFLA_INFO_DATA, [attr(VETH_INFO_PEER, peer)])]),
  ]);
}

export function getLink(seq: number, name: string): Buffer {
  return message(RTM_GETLINK, 0, seq, [ifinfo(0, 0, 0), attr(IFLA_IFNAME, str(name))]);
}

export function setUp(seq: number, index: number): Buffer {
  return message(RTM_NEWLINK, 0, seq, [ifinfo(index, IFF_UP, IFF_UP)]);
}

export function newAddr(seq: number, index: number, address: string, prefix: number): Buffer {
  const m = Buffer.alloc(8);
  m.writeUInt8(AF_INET, 0);
  m.writeUInt8(prefix, 1);
  m.writeUInt32LE(index, 4);
  return message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, seq, [m, attr(IFA_LOCAL, ip4(address)), attr(IFA_ADDRESS, ip4(address))]);
}

export function newDefaultRoute(seq: number, gateway: string, oif: number): Buffer {
  const m = Buffer.alloc(12);
  m.writeUInt8(AF_INET, 0);
  m.writeUInt8(RT_TABLE_MAIN, 4);
  m.writeUInt8(RTPROT_BOOT, 5);
  m.writeUInt8(0, 6); // RT_SCOPE_UNIVERSE
  m.writeUInt8(RTN_UNICAST, 7);
  return message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, seq, [m, attr(RTA_GATEWAY, ip4(gateway)), attr(RTA_OIF, u32(oif))]);
}

export interface Reply {
  seq: number;
  type: number;
  /** For NLMSG_ERROR: 0 = ack, else a negative errno. */
  error?: number;
  /** For RTM_NEWLINK replies (to GETLINK): the link's index. */
  index?: number;
}

/** Splits a received datagram into its messages. */
export function parseReplies(buf: Buffer, length: number): Reply[] {
  const out: Reply[] = [];
  let off = 0;
  while (off + 16 <= length) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > length) break;
    const type = buf.readUInt16LE(off + 4);
    const seq = buf.readUInt32LE(off + 8);
    const r: Reply = { seq, type };
    if (type === NLMSG_ERROR) r.error = buf.readInt32LE(off + 16);
    if (type === RTM_NEWLINK) r.index = buf.readInt32LE(off + 16 + 4);
    out.push(r);
    off += align4(len);
  }
  return out;
}
