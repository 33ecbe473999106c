// How a container's links are made: in-process rtnetlink (default: no process spawned, FACTS.md
// puts one `ip` spawn at ~1.2 ms idle and far more under load) or `ip -batch` (fallback, and the
// bench's comparison). Both take the same specs built in veth.ts.
import { readFileSync } from 'node:fs';
import { SysError } from '../schema/errors.ts';
import { errnoName } from '../executor/sys/errno.ts';
import { openRtnetlink, openNsFd, nlSend, nlRecv, closeFd } from '../executor/sys/netlink.ts';
import type { NetOps } from './exec.ts';
import { containerLines, hostLines, type VethSpec } from './veth.ts';
import { getLink, newAddr, newDefaultRoute, newVeth, parseReplies, setUp, NLMSG_ERROR, RTM_NEWLINK, type Reply } from './rtnl.ts';

export interface LinkOps {
  /** Host side: veth pairs, host end on its bridge and up, peer created inside `netns` under its final name. */
  addVeths(netns: string, links: VethSpec[]): Promise<void>;
  /** Container side: lo up, addresses, links up, default route. */
  configure(netns: string, links: VethSpec[], gateway: { ifname: string; gateway: string } | undefined): Promise<void>;
}

export function ipBatchLinks(ops: NetOps): LinkOps {
  return {
    addVeths: (netns, links) => ops.ip(hostLines(netns, links)),
    configure: (netns, links, gw) => ops.ip(containerLines(links, gw), netns),
  };
}

const recvBuf = Buffer.alloc(65536);
let seqNo = Math.floor(Date.now() / 1000) & 0xffff;

/** Sends the messages in one datagram and collects one reply per message (acks, or link info). */
function transact(fd: number, what: string[], msgs: ((seq: number) => Buffer)[]): Reply[] {
  if (msgs.length === 0) return [];
  const seqs = msgs.map(() => ++seqNo);
  nlSend(fd, Buffer.concat(msgs.map((m, i) => m(seqs[i]!))));
  const got = new Map<number, Reply>();
  while (got.size < seqs.length) {
    const n = nlRecv(fd, recvBuf);
    for (const r of parseReplies(recvBuf, n)) {
      const i = seqs.indexOf(r.seq);
      if (i < 0) continue;
      if (r.type === NLMSG_ERROR && r.error !== 0) {
        throw new SysError(`netlink ${what[i]}`, errnoName(-(r.error ?? 0)));
      }
      // A GETLINK answers with RTM_NEWLINK and then its ack; keep the one carrying the index.
      if (!got.has(r.seq) || r.type === RTM_NEWLINK) got.set(r.seq, r);
    }
  }
  return seqs.map((s) => got.get(s)!);
}

function ifindex(name: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
  } catch (e) {
    throw new SysError('find link', (e as NodeJS.ErrnoException).code ?? 'ENODEV', name);
  }
}

export const netlinkLinks: LinkOps = {
  async addVeths(netns, links) {
    if (links.length === 0) return;
    const fd = openRtnetlink();
    const nsFd = openNsFd(netns);
    try {
      transact(fd, links.map((l) => `add veth ${l.veth} peer ${l.ifname}`), links.map((l) => (seq: number) => newVeth(seq, {
        name: l.veth, masterIndex: ifindex(l.bridge), ...(l.mtu ? { mtu: l.mtu } : {}),
        peer: { name: l.ifname, mac: l.mac, netnsFd: nsFd, ...(l.mtu ? { mtu: l.mtu } : {}) },
      })));
    } finally {
      closeFd(nsFd);
      closeFd(fd);
    }
  },
  async configure(netns, links, gw) {
    const fd = openRtnetlink(netns);
    try {
      const idx = transact(fd, links.map((l) => `find ${l.ifname} in ${netns}`), links.map((l) => (seq: number) => getLink(seq, l.ifname)))
        .map((r, i) => {
          if (!r.index) throw new SysError('netlink find link', 'ENODEV', links[i]!.ifname);
          return r.index;
        });
      const what: string[] = ['lo up'];
      const msgs: ((seq: number) => Buffer)[] = [(s) => setUp(s, 1)];
      links.forEach((l, i) => {
        what.push(`address ${l.address}/${l.prefix} on ${l.ifname}`, `${l.ifname} up`);
        msgs.push((s) => newAddr(s, idx[i]!, l.address, l.prefix), (s) => setUp(s, idx[i]!));
      });
      const gwIndex = gw ? idx[links.findIndex((l) => l.ifname === gw.ifname)] : undefined;
      if (gw && gwIndex) {
        what.push(`default route via ${gw.gateway}`);
        msgs.push((s) => newDefaultRoute(s, gw.gateway, gwIndex));
      }
      transact(fd, what, msgs);
    } finally {
      closeFd(fd);
    }
  },
};
