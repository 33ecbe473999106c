// Network lifecycle: create (state file first, then bridge, then nft), find, remove. Host-wide
// pieces (the nft table, ip_forward) are shared by every tscompose process on the host, so they are
// changed under the host lock and decided from the kernel's own view (the table's elements), not
// from one state root's files.
import { randomHex } from '../executor/sys/random.ts';
import type { Network } from '../schema/model.ts';
import { NetError } from './errors.ts';
import type { NetOps } from './exec.ts';
import type { Sysctl } from './sysctl.ts';
import { ifaceKey } from './sysctl.ts';
import { withHostLock } from './lock.ts';
import { planSubnet, DEFAULT_POOL } from './ipam.ts';
import { bridgeName } from './names.ts';
import { createBridgeLines, deleteBridgeLines, hostRoutes, linkExists, mtuOf } from './bridge.ts';
import { addNetworkScript, createTableScript, deleteTableScript, parseTable, removeNetworkScript, savedForwardOf, FAMILY, TABLE, type TableView } from './nft.ts';
import { deleteNetwork, listNetworks, readNetwork, writeNetwork, type NetworkState } from './state.ts';
import { pinnedNetns } from '../executor/sys/netns.ts';

export interface Effects {
  ops: NetOps;
  sysctl: Sysctl;
}

export interface CreateOptions {
  project?: string;
  createdByCli?: boolean;
}

const FORWARD = 'net.ipv4.ip_forward';

export async function tableView(ops: NetOps): Promise<TableView | undefined> {
  const json = await ops.nftJson(['list', 'table', FAMILY, TABLE]);
  return json === undefined ? undefined : parseTable(json);
}

/** Creates (or finds) the network `net.name`. Idempotent: recreates kernel objects a reboot or crash took away. */
export function ensureNetwork(fx: Effects, net: Network, o: CreateOptions = {}): Promise<NetworkState> {
  return withHostLock(async () => {
    let st = readNetwork(net.name);
    if (!st) {
      if (net.external) {
        throw new NetError('NET_NOT_FOUND', `Network "${net.name}" is declared as external, but could not be found`, {
          hint: `create it first: tscompose network create ${net.name}`,
        });
      }
      const used = listNetworks().map((n) => ({ network: n.name, subnet: n.subnet }));
      const plan = planSubnet({
        network: net.name, ipam: net.ipam, used, hostRoutes: await hostRoutes(fx.ops),
        pool: process.env.TSCOMPOSE_NETWORK_POOL ?? DEFAULT_POOL,
      });
      const id = randomHex(32);
      st = {
        id, name: net.name, bridge: bridgeName(id), subnet: plan.subnet, gateway: plan.gateway, reserved: plan.reserved,
        internal: net.internal ?? false, projects: [], labels: net.labels ?? {}, createdAt: new Date().toISOString(), endpoints: {},
      };
      if (plan.ipRange) st.ipRange = plan.ipRange;
      const mtu = mtuOf(net.driver_opts);
      if (mtu) st.mtu = mtu;
      if (o.createdByCli) st.createdByCli = true;
    }
    if (o.project && !st.projects.includes(o.project)) st.projects.push(o.project);
    // Journal before the host objects: a crash from here on leaves a file `down` can act on.
    writeNetwork(st);
    await ensureKernel(fx, st);
    return st;
  });
}

async function ensureKernel(fx: Effects, st: NetworkState): Promise<void> {
  let view = await tableView(fx.ops);
  if (!view) {
    const saved = fx.sysctl.read(FORWARD);
    await fx.ops.nft(createTableScript(saved));
    view = { bridges: [], chains: [], published: [] };
  }
  if (!linkExists(st.bridge)) {
    await fx.ops.ip(createBridgeLines({ bridge: st.bridge, gateway: st.gateway, prefix: Number(st.subnet.split('/')[1]), ...(st.mtu ? { mtu: st.mtu } : {}) }));
    // Published ports reached from the host's 127.0.0.1 are DNATed to this bridge; the kernel drops
    // loopback-sourced packets on other interfaces unless route_localnet is on (per interface: it
    // goes away with our bridge, nothing host-wide to restore).
    fx.sysctl.write(ifaceKey(st.bridge, 'route_localnet'), '1');
  }
  if (!view.bridges.includes(st.bridge)) {
    // A crash between the chains and the map elements would leave chains: drop them first.
    const partial = ['from-', 'to-', 'nat-'].filter((p) => view.chains.includes(p + st.bridge));
    if (partial.length) await fx.ops.nft(partial.map((p) => `delete chain ${FAMILY} ${TABLE} ${p}${st.bridge}`).join('\n') + '\n');
    await fx.ops.nft(addNetworkScript({ bridge: st.bridge, name: st.name, subnet: st.subnet, internal: st.internal }));
  }
  // Egress and published ports from other hosts are routed: forwarding must be on while we have networks.
  if (!st.internal && fx.sysctl.read(FORWARD) !== '1') fx.sysctl.write(FORWARD, '1');
}

/** Endpoints whose container namespace still exists; the others are left by a crash. */
export function liveEndpoints(st: NetworkState): NetworkState['endpoints'] {
  const out: NetworkState['endpoints'] = {};
  const pinned = pinnedNetns();
  for (const [id, e] of Object.entries(st.endpoints)) if (pinned.has(e.netns)) out[id] = e;
  return out;
}

export interface RemoveOptions {
  /** The project letting go; the network stays while other projects use it. */
  project?: string;
  /** `network rm`: remove even a network `network create` made. */
  cli?: boolean;
}

/** Removes the network when nothing uses it any more; restores ip_forward and drops the table after our last network. Idempotent. */
export function removeNetwork(fx: Effects, name: string, o: RemoveOptions = {}): Promise<void> {
  return withHostLock(async () => {
    const st = readNetwork(name);
    if (!st) return;
    // Without `project` the caller is the one project that used it (docs/contracts.md removeNetwork(name)):
    // live endpoints of other containers still keep the network.
    if (o.project) st.projects = st.projects.filter((p) => p !== o.project);
    else if (!o.cli) st.projects = [];
    st.endpoints = liveEndpoints(st);
    const users = Object.values(st.endpoints);
    if (st.projects.length > 0 || (st.createdByCli && !o.cli) || users.length > 0) {
      writeNetwork(st);
      if (o.cli && users.length) {
        throw new NetError('NET_IN_USE', `Network "${name}" has active endpoints: ${users.map((u) => u.name).sort().join(', ')}`, { hint: 'stop those containers first (tscompose down)' });
      }
      if (o.cli && st.projects.length) {
        throw new NetError('NET_IN_USE', `Network "${name}" is used by project ${st.projects.map((p) => `"${p}"`).join(', ')}`);
      }
      return;
    }
    await removeKernel(fx, st);
    deleteNetwork(name);
  });
}

async function removeKernel(fx: Effects, st: NetworkState): Promise<void> {
  if (linkExists(st.bridge)) await fx.ops.ip(deleteBridgeLines(st.bridge));
  const view = await tableView(fx.ops);
  if (!view) return;
  if (view.bridges.includes(st.bridge)) await fx.ops.nft(removeNetworkScript(st.bridge));
  const rest = view.bridges.filter((b) => b !== st.bridge);
  if (rest.length === 0) await dropTable(fx);
}

async function dropTable(fx: Effects): Promise<void> {
  const text = await fx.ops.nftText(['list', 'table', FAMILY, TABLE]);
  if (text === undefined) return;
  const saved = savedForwardOf(text);
  // Restore before the table goes (it records the value): a changed ip_forward always has our table
  // beside it, for a crash here and for anyone looking at the host in between.
  if (saved !== undefined && fx.sysctl.read(FORWARD) !== saved) fx.sysctl.write(FORWARD, saved);
  await fx.ops.nft(deleteTableScript());
}

export function findNetwork(name: string): NetworkState | undefined {
  return readNetwork(name);
}

export { listNetworks };

/** Id prefix or name → network (for the CLI). */
export function lookupNetwork(ref: string): NetworkState | undefined {
  return readNetwork(ref) ?? listNetworks().find((n) => n.id.startsWith(ref) && ref.length >= 4);
}

export const _internal = { ensureKernel, removeKernel };
