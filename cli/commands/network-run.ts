// The work behind `tscompose network …` (imported lazily by network.ts).
import { UsageError } from '../../schema/errors.ts';
import type { Network } from '../../schema/model.ts';
import type { NetworkCreateOpts } from './network.ts';

function pairs(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`Invalid ${flag} "${kv}"`, `write it as KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function runNetworkCreate(name: string, o: NetworkCreateOpts): Promise<void> {
  if (o.driver && o.driver !== 'bridge') throw new UsageError(`Unsupported network driver "${o.driver}"`, 'only bridge networks are supported');
  if ((o.gateway || o.ipRange) && !o.subnet) throw new UsageError('--gateway and --ip-range need --subnet');
  const net: Network = { name, driver: 'bridge', labels: pairs(o.label, '--label'), driver_opts: pairs(o.opt, '--opt') };
  if (o.internal) net.internal = true;
  if (o.subnet) {
    net.ipam = { config: [{ subnet: o.subnet, ...(o.gateway ? { gateway: o.gateway } : {}), ...(o.ipRange ? { ip_range: o.ipRange } : {}) }] };
  }
  const { createNetwork } = await import('../../netmgr/netmgr.ts');
  const st = await createNetwork(net);
  console.log(st.id);
}

export async function runNetworkRm(names: string[]): Promise<void> {
  const { inspectNetwork, removeNetwork } = await import('../../netmgr/netmgr.ts');
  for (const ref of names) {
    const st = inspectNetwork(ref);
    if (!st) throw new UsageError(`No such network: "${ref}"`);
    await removeNetwork(st.name, { cli: true });
    console.log(st.name);
  }
}

export async function runNetworkLs(o: { format: string; quiet?: boolean }): Promise<void> {
  const { listNetworks } = await import('../../netmgr/netmgr.ts');
  const nets = listNetworks();
  if (o.quiet) { for (const n of nets) console.log(n.name); return; }
  if (o.format === 'json') { for (const n of nets) console.log(JSON.stringify(summary(n))); return; }
  const rows = [['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'GATEWAY', 'BRIDGE', 'CONTAINERS'],
    ...nets.map((n) => [n.id.slice(0, 12), n.name, n.internal ? 'bridge (internal)' : 'bridge', n.subnet, n.gateway, n.bridge, String(Object.keys(n.endpoints).length)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd());
}

function summary(n: import('../../netmgr/state.ts').NetworkState) {
  return { ID: n.id, Name: n.name, Driver: 'bridge', Subnet: n.subnet, Gateway: n.gateway, Bridge: n.bridge, Internal: n.internal, Containers: Object.keys(n.endpoints).length, Labels: n.labels };
}

export async function runNetworkInspect(names: string[]): Promise<void> {
  const { inspectNetwork } = await import('../../netmgr/netmgr.ts');
  const out = names.map((ref) => {
    const st = inspectNetwork(ref);
    if (!st) throw new UsageError(`No such network: "${ref}"`);
    return {
      Name: st.name, Id: st.id, Created: st.createdAt, Driver: 'bridge', Internal: st.internal, Labels: st.labels,
      IPAM: { Config: [{ Subnet: st.subnet, Gateway: st.gateway, ...(st.ipRange ? { IPRange: st.ipRange } : {}) }] },
      Options: { 'com.docker.network.bridge.name': st.bridge, ...(st.mtu ? { 'com.docker.network.driver.mtu': String(st.mtu) } : {}) },
      Projects: st.projects,
      Containers: Object.fromEntries(Object.values(st.endpoints).map((e) => [e.containerId, {
        Name: e.name, MacAddress: e.mac, IPv4Address: `${e.address}/${st.subnet.split('/')[1]}`, Interface: e.ifname, Aliases: e.names,
      }])),
    };
  });
  console.log(JSON.stringify(out, null, 2));
}
