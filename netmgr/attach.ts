// A container on its networks: addresses chosen (and persisted) under the host lock, then two
// `ip -batch` runs (host side, container side) for all its networks at once.
import type { ServiceNetwork } from '../schema/model.ts';
import { NetError } from './errors.ts';
import { withHostLock } from './lock.ts';
import { nextAddress } from './ipam.ts';
import { macFor, vethName } from './names.ts';
import { linkExists } from './bridge.ts';
import type { VethSpec } from './veth.ts';
import type { LinkOps } from './links.ts';
import { readNetwork, writeNetwork, listNetworks, type Endpoint, type NetworkState } from './state.ts';
import { liveEndpoints } from './networks.ts';

export interface AttachContainer {
  id: string;
  name: string;
  service: string;
  aliases: string[];
  hostname: string;
  /** Service-level mac_address (applies to the first network unless the network sets its own). */
  macAddress?: string;
  /** `dns:` servers: our DNS forwards this container's other names there. */
  dns?: string[];
}

export interface AttachNet {
  /** A NetworkState as returned by ensureNetwork, or anything with its `name`. */
  network: { name: string };
  cfg: ServiceNetwork | null;
}

export interface Attachment {
  network: string;
  ifname: string;
  veth: string;
  address: string;
  prefix: number;
  gateway: string;
  mac: string;
}

/** Order of a service's networks: higher `priority` first, then as given (compose). */
export function orderNetworks<T extends { cfg: ServiceNetwork | null }>(nets: T[]): T[] {
  return nets.map((n, i) => ({ n, i })).sort((a, b) => ((b.n.cfg?.priority ?? 0) - (a.n.cfg?.priority ?? 0)) || a.i - b.i).map((x) => x.n);
}

export async function attach(links: LinkOps, netnsPath: string, c: AttachContainer, nets: AttachNet[]): Promise<Attachment[]> {
  const ordered = orderNetworks(nets);
  const planned = await withHostLock(async () => ordered.map((n, i) => reserve(netnsPath, c, n, i)));
  const fresh = planned.filter((p) => !linkExists(p.spec.veth));
  const gw = planned.find((p) => !p.state.internal);
  // Links already there (a restarted container, a repeated call): their namespace side is configured.
  if (fresh.length > 0) try {
    await links.addVeths(netnsPath, fresh.map((p) => p.spec));
    await links.configure(netnsPath, fresh.map((p) => p.spec), gw && fresh.includes(gw) ? { ifname: gw.spec.ifname, gateway: gw.state.gateway } : undefined);
  } catch (e) {
    throw new NetError('NET_COMMAND', `Cannot configure the network of container "${c.name}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return planned.map((p) => ({
    network: p.state.name, ifname: p.spec.ifname, veth: p.spec.veth, address: p.spec.address,
    prefix: p.spec.prefix, gateway: p.state.gateway, mac: p.spec.mac,
  }));
}

function reserve(netnsPath: string, c: AttachContainer, n: AttachNet, index: number): { state: NetworkState; spec: VethSpec } {
  const st = readNetwork(n.network.name);
  if (!st) throw new NetError('NET_NOT_FOUND', `Network "${n.network.name}" does not exist`, { hint: 'it is created by `up` before its containers' });
  const ifname = n.cfg?.interface_name ?? `eth${index}`;
  let ep = st.endpoints[c.id];
  if (!ep) {
    const live = liveEndpoints(st);
    // A container recreated under the same name gets its old address back when it is free
    // (its old namespace is gone), so addresses are stable across `up` runs.
    const previous = Object.values(st.endpoints).find((e) => e.name === c.name && !live[e.containerId]);
    for (const id of Object.keys(st.endpoints)) if (!live[id]) delete st.endpoints[id];
    const taken = Object.values(st.endpoints).map((e) => e.address);
    const requested = n.cfg?.ipv4_address ?? (previous && !taken.includes(previous.address) ? previous.address : undefined);
    const address = nextAddress({ network: st.name, subnet: st.subnet, gateway: st.gateway, ...(st.ipRange ? { ipRange: st.ipRange } : {}), reserved: st.reserved }, taken, requested);
    const names = [...new Set([c.service, c.name, c.hostname, ...c.aliases, ...(n.cfg?.aliases ?? [])].filter(Boolean))];
    ep = {
      containerId: c.id, name: c.name, service: c.service, names, address,
      mac: n.cfg?.mac_address ?? (index === 0 ? c.macAddress : undefined) ?? macFor(address),
      ifname, veth: vethName(c.id, st.id), netns: netnsPath,
      ...(c.dns?.length ? { dns: c.dns } : {}),
    } satisfies Endpoint;
    st.endpoints[c.id] = ep;
    writeNetwork(st);
  }
  return {
    state: st,
    spec: { veth: ep.veth, ifname: ep.ifname, bridge: st.bridge, address: ep.address, prefix: Number(st.subnet.split('/')[1]), mac: ep.mac, ...(st.mtu ? { mtu: st.mtu } : {}) },
  };
}

/** Forgets the container's endpoints (its veths go with its namespace: removeNetns). Idempotent. */
export function detach(id: string): Promise<void> {
  return withHostLock(async () => {
    for (const st of listNetworks()) {
      if (!st.endpoints[id]) continue;
      delete st.endpoints[id];
      writeNetwork(st);
    }
  });
}

/** The container's endpoints, in interface order. */
export function endpointsOf(id: string): { network: NetworkState; endpoint: Endpoint }[] {
  return listNetworks().flatMap((network) => {
    const endpoint = network.endpoints[id];
    return endpoint ? [{ network, endpoint }] : [];
  }).sort((a, b) => a.endpoint.ifname.localeCompare(b.endpoint.ifname, 'en', { numeric: true }));
}
