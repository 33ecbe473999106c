// A network's Linux bridge as `ip -batch` lines (pure), and the reads about the host that IPAM needs.
import { existsSync } from 'node:fs';
import type { NetOps } from './exec.ts';

export interface BridgeSpec {
  bridge: string;
  gateway: string;
  prefix: number;
  mtu?: number;
}

export function createBridgeLines(b: BridgeSpec): string[] {
  return [
    `link add ${b.bridge}${b.mtu ? ` mtu ${b.mtu}` : ''} type bridge`,
    `addr add ${b.gateway}/${b.prefix} dev ${b.bridge}`,
    `link set ${b.bridge} up`,
  ];
}

export function deleteBridgeLines(bridge: string): string[] {
  return [`link del ${bridge}`];
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Destinations of the host's IPv4 routes in the main table (`default` left out). */
export async function hostRoutes(ops: NetOps): Promise<string[]> {
  const routes = (await ops.ipJson(['-4', 'route', 'show'])) as { dst?: string }[];
  return routes.map((r) => r.dst ?? '').filter((d) => d && d !== 'default').map((d) => (d.includes('/') ? d : `${d}/32`));
}

/** MTU from a network's driver_opts (docker's key and the short one). */
export function mtuOf(driverOpts: Record<string, string> | undefined): number | undefined {
  const v = driverOpts?.['com.docker.network.driver.mtu'] ?? driverOpts?.['mtu'];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n >= 68 && n <= 65535 ? n : undefined;
}
