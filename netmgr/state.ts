// What netmgr remembers between processes: one JSON file per network under paths.networks()
// (bridge, subnet, endpoints with their addresses) and one per container with published ports.
// Another command, a restarted supervisor, or `down` after kill -9 reads these to find and remove
// what was made. Writes are temp + rename, so a crash never leaves half a file.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../executor/state/paths.ts';

export interface Endpoint {
  containerId: string;
  /** Container name (`<project>-<service>-<n>`). */
  name: string;
  service: string;
  /** Every name this endpoint answers to on this network: service, container name, hostname, aliases. */
  names: string[];
  address: string;
  mac: string;
  /** Interface inside the container (eth0, eth1, …) and the host end of the veth. */
  ifname: string;
  veth: string;
  netns: string;
  /** Upstream resolvers for this container's other names (`dns:`); absent = the host's. */
  dns?: string[];
}

export interface NetworkState {
  id: string;
  /** Host-side name (`<project>_<key>` or `name:`). */
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  reserved: string[];
  internal: boolean;
  mtu?: number;
  /** Projects that use this network; it is removed when the last one lets go. */
  projects: string[];
  /** `tscompose network create` made it: only `network rm` removes it. */
  createdByCli?: boolean;
  labels: Record<string, string>;
  createdAt: string;
  endpoints: Record<string, Endpoint>;
}

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  /** Host address bound, or '0.0.0.0' for every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface PortsState {
  containerId: string;
  name: string;
  service: string;
  ports: PublishedPort[];
}

function atomicWrite(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readNetwork(name: string): NetworkState | undefined {
  return readJson<NetworkState>(paths.network(name));
}

export function writeNetwork(s: NetworkState): void {
  mkdirSync(paths.networks(), { recursive: true, mode: 0o700 });
  atomicWrite(paths.network(s.name), s);
}

export function deleteNetwork(name: string): void {
  rmSync(paths.network(name), { force: true });
}

export function listNetworks(): NetworkState[] {
  let names: string[] = [];
  try { names = readdirSync(paths.networks()); } catch { return []; }
  return names.filter((f) => f.endsWith('.json')).sort()
    .map((f) => readJson<NetworkState>(join(paths.networks(), f)))
    .filter((s): s is NetworkState => !!s && typeof s.bridge === 'string');
}

function portsFile(id: string): string {
  return join(paths.networks(), 'ports', `${id}.json`);
}

export function readPorts(id: string): PortsState | undefined {
  return readJson<PortsState>(portsFile(id));
}

export function writePorts(p: PortsState): void {
  mkdirSync(join(paths.networks(), 'ports'), { recursive: true, mode: 0o700 });
  atomicWrite(portsFile(p.containerId), p);
}

export function deletePorts(id: string): void {
  rmSync(portsFile(id), { force: true });
}

export function listPorts(): PortsState[] {
  let names: string[] = [];
  try { names = readdirSync(join(paths.networks(), 'ports')); } catch { return []; }
  return names.filter((f) => f.endsWith('.json')).sort()
    .map((f) => readJson<PortsState>(join(paths.networks(), 'ports', f)))
    .filter((s): s is PortsState => !!s);
}
