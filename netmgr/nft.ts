// nftables rules of our networks, built as text for one `nft -f -` transaction per operation.
// Layout (one table `inet tscompose`, ARCHITECTURE.md):
//  - base chains hook forward / nat prerouting / nat output / nat postrouting and jump through
//    verdict maps keyed by interface name, so adding or removing a network is adding or removing
//    map elements and its own chains: no rule handles to look up, nothing of another network touched;
//  - per network (bridge B): `from-B` (traffic leaving B: same bridge accepted, other tscompose
//    bridges dropped = isolation, internal networks go nowhere else), `to-B` (traffic entering B),
//    `nat-B` (masquerade for egress, hairpin for published ports);
//  - published ports: maps (host ip . port → container ip . port) per protocol, plus maps keyed by
//    port alone for ports published on every address (0.0.0.0).
// The table's comment records the host's ip_forward value from before our first network, so the
// last network restores it even when it is removed by another process (or after kill -9).
import type { PublishedPort } from './state.ts';

export const FAMILY = 'inet';
export const TABLE = 'tscompose';
const T = `${FAMILY} ${TABLE}`;

export function tableComment(savedForward: string): string {
  return `tscompose networks; restore net.ipv4.ip_forward=${savedForward}`;
}

export function savedForwardOf(tableText: string): string | undefined {
  return /restore net\.ipv4\.ip_forward=(\d)/.exec(tableText)?.[1];
}

/** Creates the table with its maps and base chains. Only run when the table does not exist (`add rule` appends). */
export function createTableScript(savedForward: string): string {
  const protos = ['tcp', 'udp'];
  const lines = [
    `add table ${T} { comment "${tableComment(savedForward)}"; }`,
    `add map ${T} from_net { type ifname : verdict; }`,
    `add map ${T} to_net { type ifname : verdict; }`,
    `add map ${T} nat_net { type ifname : verdict; }`,
    ...protos.flatMap((p) => [
      `add map ${T} pub_${p} { type ipv4_addr . inet_service : ipv4_addr . inet_service; }`,
      `add map ${T} pub_${p}_any { type inet_service : ipv4_addr . inet_service; }`,
    ]),
    `add chain ${T} published`,
    ...protos.flatMap((p) => [
      `add rule ${T} published meta l4proto ${p} dnat ip to ip daddr . ${p} dport map @pub_${p}`,
      `add rule ${T} published meta l4proto ${p} dnat ip to ${p} dport map @pub_${p}_any`,
    ]),
    `add chain ${T} forward { type filter hook forward priority filter; policy accept; }`,
    `add rule ${T} forward iifname vmap @from_net`,
    `add rule ${T} forward oifname vmap @to_net`,
    `add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add rule ${T} prerouting fib daddr type local jump published`,
    // Connections from the host itself (127.0.0.1:8080 included) are DNATed in the output hook.
    `add chain ${T} output { type nat hook output priority -100; policy accept; }`,
    `add rule ${T} output fib daddr type local jump published`,
    `add chain ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
    // A loopback source cannot leave on a bridge (martian) even with route_localnet: rewrite it.
    `add rule ${T} postrouting ip saddr 127.0.0.0/8 oifname "tsc-*" masquerade`,
    `add rule ${T} postrouting iifname vmap @nat_net`,
  ];
  return lines.join('\n') + '\n';
}

export interface NftNetwork {
  bridge: string;
  name: string;
  subnet: string;
  internal: boolean;
}

export function addNetworkScript(n: NftNetwork): string {
  const b = n.bridge;
  const q = `"${b}"`;
  const lines = [
    `add chain ${T} from-${b} { comment "network ${n.name} ${n.subnet}${n.internal ? ' internal' : ''}"; }`,
    `add rule ${T} from-${b} oifname ${q} accept`,
    ...(n.internal ? [`add rule ${T} from-${b} drop`] : []),
    `add rule ${T} from-${b} ct state established,related accept`,
    `add rule ${T} from-${b} ct status dnat accept`,
    `add rule ${T} from-${b} oifname "tsc-*" drop`,
    `add rule ${T} from-${b} accept`,
    `add chain ${T} to-${b}`,
    ...(n.internal ? [`add rule ${T} to-${b} drop`] : []),
    `add rule ${T} to-${b} ct state established,related accept`,
    `add rule ${T} to-${b} ct status dnat accept`,
    `add rule ${T} to-${b} iifname "tsc-*" drop`,
    `add rule ${T} to-${b} accept`,
    `add chain ${T} nat-${b}`,
    // Hairpin: a container reaching a published port of its own network through a host address.
    `add rule ${T} nat-${b} oifname ${q} ct status dnat masquerade`,
    ...(n.internal ? [] : [`add rule ${T} nat-${b} oifname != ${q} masquerade`]),
    `add element ${T} from_net { ${q} : jump from-${b} }`,
    `add element ${T} to_net { ${q} : jump to-${b} }`,
    `add element ${T} nat_net { ${q} : jump nat-${b} }`,
  ];
  return lines.join('\n') + '\n';
}

export function removeNetworkScript(bridge: string): string {
  const q = `"${bridge}"`;
  return [
    `delete element ${T} from_net { ${q} }`,
    `delete element ${T} to_net { ${q} }`,
    `delete element ${T} nat_net { ${q} }`,
    `delete chain ${T} from-${bridge}`,
    `delete chain ${T} to-${bridge}`,
    `delete chain ${T} nat-${bridge}`,
  ].join('\n') + '\n';
}

export function deleteTableScript(): string {
  return `delete table ${T}\n`;
}

function element(p: PublishedPort): { map: string; key: string } {
  const any = p.hostIp === '0.0.0.0';
  return { map: `pub_${p.protocol}${any ? '_any' : ''}`, key: any ? `${p.hostPort}` : `${p.hostIp} . ${p.hostPort}` };
}

export function publishScript(ports: PublishedPort[]): string {
  return ports.map((p) => {
    const e = element(p);
    return `add element ${T} ${e.map} { ${e.key} : ${p.containerIp} . ${p.containerPort} }\n`;
  }).join('');
}

export function unpublishScript(ports: PublishedPort[]): string {
  return ports.map((p) => {
    const e = element(p);
    return `delete element ${T} ${e.map} { ${e.key} }\n`;
  }).join('');
}

/** What the table holds, from `nft -j list table inet tscompose`. */
export interface TableView {
  /** Bridges with a network entry (from_net elements): ours, from any state root. */
  bridges: string[];
  chains: string[];
  /** Published-port map elements as `map key` strings (`pub_tcp_any 8080`, `pub_tcp 127.0.0.1 . 8080`). */
  published: string[];
}

export function parseTable(json: unknown): TableView {
  const view: TableView = { bridges: [], chains: [], published: [] };
  const items = (json as { nftables?: Record<string, unknown>[] } | undefined)?.nftables ?? [];
  for (const it of items) {
    const chain = it.chain as { name?: string; table?: string } | undefined;
    if (chain?.table === TABLE && chain.name) view.chains.push(chain.name);
    const map = it.map as { name?: string; table?: string; elem?: unknown[] } | undefined;
    if (map?.table !== TABLE || !map.name || !map.elem) continue;
    for (const el of map.elem) {
      const key = Array.isArray(el) ? el[0] : undefined;
      if (map.name === 'from_net' && typeof key === 'string') view.bridges.push(key);
      if (map.name.startsWith('pub_')) view.published.push(`${map.name} ${keyText(key)}`);
    }
  }
  view.bridges.sort();
  return view;
}

function keyText(k: unknown): string {
  if (k && typeof k === 'object' && 'concat' in k) return ((k as { concat: unknown[] }).concat).map(String).join(' . ');
  return String(k);
}
