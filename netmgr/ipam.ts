// IP address management, pure: "gather, then decide" (nerdctl's GetFreeSubnet). The caller reads
// host routes and our other networks' subnets and passes them in; nothing here touches the host.
import type { Network } from '../schema/model.ts';
import { NetError } from './errors.ts';
import { contains, formatCidr, formatIp, last, overlaps, parseCidr, parseIp, size, type Cidr } from './cidr.ts';

export const DEFAULT_POOL = '10.89.0.0/16';
export const DEFAULT_PREFIX = 24;

export interface UsedSubnet {
  /** Host-side name of the network holding it. */
  network: string;
  subnet: string;
}

export interface SubnetRequest {
  /** Host-side name of the network being created (named in errors). */
  network: string;
  ipam?: Network['ipam'];
  /** Pool that automatic subnets come from; default 10.89.0.0/16. */
  pool?: string;
  /** Size of automatic subnets; default /24. */
  prefix?: number;
  /** Subnets of our other networks (any project, any state root). */
  used: UsedSubnet[];
  /** Destinations of the host's routes (`ip route`): an automatic subnet never overlaps one. Default routes are ignored. */
  hostRoutes: string[];
}

export interface SubnetPlan {
  subnet: string;
  gateway: string;
  /** Addresses for containers come from here when set (ipam.config[].ip_range). */
  ipRange?: string;
  /** Addresses never handed out (aux_addresses). */
  reserved: string[];
}

/** Picks the subnet and gateway of a new network: the declared ones if any, else the next free one from the pool. */
export function planSubnet(req: SubnetRequest): SubnetPlan {
  const declared = req.ipam?.config?.find((c) => c.subnet);
  const used = req.used.map((u) => ({ network: u.network, cidr: parseCidr(u.subnet) }));
  if (declared?.subnet) {
    const cidr = parseCidr(declared.subnet);
    const clash = used.find((u) => overlaps(u.cidr, cidr));
    if (clash) {
      throw new NetError('NET_OVERLAP',
        `Network "${req.network}" subnet ${formatCidr(cidr)} overlaps network "${clash.network}" subnet ${formatCidr(clash.cidr)}`,
        { hint: 'choose a subnet that no other network uses, or remove ipam.config to get a free one' });
    }
    if (cidr.prefix > 30) throw new NetError('NET_BAD_ADDRESS', `Network "${req.network}" subnet ${formatCidr(cidr)} is too small`, { hint: 'use a /30 or larger' });
    return withGateway(req.network, cidr, declared);
  }
  const pool = parseCidr(req.pool ?? DEFAULT_POOL);
  const prefix = req.prefix ?? DEFAULT_PREFIX;
  if (prefix < pool.prefix || prefix > 30) {
    throw new NetError('NET_BAD_ADDRESS', `Subnet size /${prefix} does not fit the pool ${formatCidr(pool)}`);
  }
  const routes = req.hostRoutes.map(parseCidr).filter((r) => r.prefix > 0);
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base + step - 1 <= last(pool); base += step) {
    const cand: Cidr = { base, prefix };
    if (used.some((u) => overlaps(u.cidr, cand))) continue;
    if (routes.some((r) => overlaps(r, cand))) continue;
    return withGateway(req.network, cand, undefined);
  }
  throw new NetError('NET_POOL_EXHAUSTED', `No free /${prefix} subnet left in ${formatCidr(pool)} for network "${req.network}"`, {
    hint: 'remove unused networks (tscompose network ls), or set TSCOMPOSE_NETWORK_POOL to a larger pool',
  });
}

type IpamConfig = NonNullable<NonNullable<Network['ipam']>['config']>[number];

function withGateway(network: string, cidr: Cidr, cfg: IpamConfig | undefined): SubnetPlan {
  const subnet = formatCidr(cidr);
  let gw = cidr.base + 1;
  if (cfg?.gateway) {
    gw = parseIp(cfg.gateway);
    if (!isHost(cidr, gw)) throw new NetError('NET_BAD_ADDRESS', `Network "${network}" gateway ${cfg.gateway} is not a host address of ${subnet}`);
  }
  const out: SubnetPlan = { subnet, gateway: formatIp(gw), reserved: [] };
  if (cfg?.ip_range) {
    const r = parseCidr(cfg.ip_range);
    if (!contains(cidr, r.base) || !contains(cidr, last(r))) {
      throw new NetError('NET_BAD_ADDRESS', `Network "${network}" ip_range ${cfg.ip_range} is not inside ${subnet}`);
    }
    out.ipRange = formatCidr(r);
  }
  for (const [host, ip] of Object.entries(cfg?.aux_addresses ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!contains(cidr, parseIp(ip))) throw new NetError('NET_BAD_ADDRESS', `Network "${network}" aux address ${host}=${ip} is not inside ${subnet}`);
    out.reserved.push(formatIp(parseIp(ip)));
  }
  return out;
}

function isHost(c: Cidr, ip: number): boolean {
  return contains(c, ip) && ip !== c.base && ip !== last(c);
}

export interface AddressPool {
  network: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  reserved?: string[];
}

/**
 * The address for one container on one network: `requested` (ipv4_address) when given and free, else
 * the lowest free host address of the ip_range (or the subnet), never the gateway or a reserved one.
 */
export function nextAddress(pool: AddressPool, taken: string[], requested?: string): string {
  const subnet = parseCidr(pool.subnet);
  const gw = parseIp(pool.gateway);
  const busy = new Set([gw, ...taken.map(parseIp), ...(pool.reserved ?? []).map(parseIp)]);
  if (requested) {
    const ip = parseIp(requested);
    if (!isHost(subnet, ip)) throw new NetError('NET_NO_ADDRESS', `ipv4_address ${requested} is not a host address of network "${pool.network}" (${pool.subnet})`);
    if (busy.has(ip)) {
      throw new NetError('NET_NO_ADDRESS', `ipv4_address ${requested} on network "${pool.network}" is already in use${ip === gw ? ' (it is the gateway)' : ''}`);
    }
    return formatIp(ip);
  }
  const range = pool.ipRange ? parseCidr(pool.ipRange) : subnet;
  for (let ip = range.base, n = 0; n < size(range); ip++, n++) {
    if (isHost(subnet, ip) && !busy.has(ip)) return formatIp(ip);
  }
  throw new NetError('NET_NO_ADDRESS', `Network "${pool.network}" has no free address left in ${pool.ipRange ?? pool.subnet}`);
}
