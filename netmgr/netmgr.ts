// netmgr's API (docs/contracts.md "netmgr/"): network namespaces, networks, attach/detach, published
// ports, init-layer files. The supervisor is the only caller that joins these with the other parts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network, PortConfig, Project, Service } from '../schema/model.ts';
import { paths } from '../executor/state/paths.ts';
import { makeNetns, dropNetns, isNetnsPinned } from '../executor/sys/netns.ts';
import { NetError } from './errors.ts';
import { realNetOps, type NetOps } from './exec.ts';
import { realSysctl, type Sysctl } from './sysctl.ts';
import * as networks from './networks.ts';
import * as attaching from './attach.ts';
import * as ports from './ports.ts';
import { hostsFile, hostnameFile, type HostsInput } from './hosts.ts';
import { resolvConf } from './resolv.ts';
import { parseNetworkMode } from './modes.ts';
import type { NetworkState, PublishedPort } from './state.ts';
import { notifyRegistry } from './registry.ts';
import { ipBatchLinks, netlinkLinks, type LinkOps } from './links.ts';

export type { NetworkState, PublishedPort, Endpoint } from './state.ts';
export type { Attachment, AttachContainer, AttachNet } from './attach.ts';
export { hostsFile, hostnameFile } from './hosts.ts';
export { resolvConf } from './resolv.ts';
export { parseNetworkMode, joinPath } from './modes.ts';
export { startDns, type DnsServer, type DnsOptions } from './dns.ts';
export { NameRegistry } from './registry.ts';
export { formatBinding } from './ports.ts';

let fx: networks.Effects = { ops: realNetOps, sysctl: realSysctl };
// rtnetlink in-process by default; TSCOMPOSE_NET_LINKS=ip uses `ip -batch` (two spawns per container).
let links: LinkOps = process.env.TSCOMPOSE_NET_LINKS === 'ip' ? ipBatchLinks(realNetOps) : netlinkLinks;

/** Tests and the bench swap the tools. */
export function setEffects(ops: NetOps, sysctl: Sysctl, linkOps?: LinkOps): void {
  fx = { ops, sysctl };
  links = linkOps ?? ipBatchLinks(ops);
}

/** Chooses how container links are made: 'netlink' (default, in-process) or 'ip' (`ip -batch`). */
export function useLinks(kind: 'netlink' | 'ip'): void {
  links = kind === 'ip' ? ipBatchLinks(fx.ops) : netlinkLinks;
}

/** Makes the container's network namespace (bind-mounted under $TSCOMPOSE_RUN/netns) and returns its path. Idempotent. */
export function createNetns(id: string): string {
  const p = paths.netns(id);
  if (!isNetnsPinned(p)) makeNetns(p);
  return p;
}

/** Unpins the namespace: its veths disappear with it (FACTS.md: far faster than deleting them one by one). Idempotent. */
export function removeNetns(id: string): void {
  dropNetns(paths.netns(id));
}

/** Creates or finds the compose network `key` of `project` (bridge, subnet, nft). Idempotent. */
export function ensureNetwork(project: string, _key: string, net: Network): Promise<NetworkState> {
  return networks.ensureNetwork(fx, net, { project });
}

/** `tscompose network create`: a network no project owns; only `network rm` removes it. */
export function createNetwork(net: Network): Promise<NetworkState> {
  if (networks.findNetwork(net.name)) return Promise.reject(new NetError('NET_IN_USE', `Network "${net.name}" already exists`));
  return networks.ensureNetwork(fx, { ...net, external: false }, { createdByCli: true });
}

/**
 * Lets go of a network. With `project`, that project stops using it and it goes when no project nor
 * container uses it; `cli` (network rm) refuses while containers are attached. Restores ip_forward and
 * drops the nft table after our last network. Idempotent.
 */
export function removeNetwork(name: string, o: networks.RemoveOptions = {}): Promise<void> {
  return networks.removeNetwork(fx, name, o);
}

export function listNetworks(): NetworkState[] {
  return networks.listNetworks();
}

export function inspectNetwork(ref: string): NetworkState | undefined {
  return networks.lookupNetwork(ref);
}

const initInputs = new Map<string, { hosts: HostsInput; service: Service }>();

/**
 * Attaches the container (its namespace at `netnsPath`) to its networks, eth0, eth1… in priority
 * order. Also rewrites the init layer's /etc/hosts and /etc/resolv.conf (written by initFiles before
 * the addresses were known) when the container has not started yet.
 */
export async function attach(netnsPath: string, c: attaching.AttachContainer, nets: attaching.AttachNet[]): Promise<attaching.Attachment[]> {
  const init = initInputs.get(c.id);
  const withService: attaching.AttachContainer = { ...c };
  if (init?.service.mac_address && !c.macAddress) withService.macAddress = init.service.mac_address;
  if (init?.service.dns?.length && !c.dns) withService.dns = init.service.dns;
  const out = await attaching.attach(links, netnsPath, withService, nets);
  notifyRegistry();
  const first = out[0];
  if (init && first) {
    const dir = join(paths.container(c.id), 'init', 'etc');
    if (existsSync(dir)) {
      const files = renderInit(init.service, { ...init.hosts, address: first.address, hostGateway: first.gateway }, first.gateway);
      for (const [f, text] of Object.entries(files)) writeFileSync(join(paths.container(c.id), 'init', f), text);
    }
  }
  return out;
}

/** Forgets the container's addresses (its veths go with its namespace). Idempotent. */
export async function detach(id: string): Promise<void> {
  initInputs.delete(id);
  await attaching.detach(id);
  notifyRegistry();
}

/** Publishes the container's ports (DNAT to its first network's address); returns `127.0.0.1:8080->80/tcp` strings. */
export async function publish(id: string, portList: PortConfig[], _netnsPath?: string): Promise<string[]> {
  const eps = attaching.endpointsOf(id);
  const first = eps[0];
  if (!first) throw new NetError('NET_PORT_CONFLICT', `Cannot publish ports of container ${id.slice(0, 12)}: it is on no network`, { hint: 'ports need a bridge network (not network_mode host/none)' });
  const done = await ports.publish(fx.ops, { id, name: first.endpoint.name, service: first.endpoint.service, containerIp: first.endpoint.address }, portList);
  return done.map(ports.formatBinding);
}

export function publishedPorts(id: string): PublishedPort[] {
  return listPublished().find((p) => p.containerId === id)?.ports ?? [];
}

import { listPorts } from './state.ts';
function listPublished() { return listPorts(); }

export function unpublish(id: string): Promise<void> {
  return ports.unpublish(fx.ops, id);
}

/** Attaches by the shape the supervisor uses (`AttachTarget`), keeping its input for the init files. */
export interface InitTarget { id: string; name: string; service: string; aliases: string[]; hostname: string }

/** /etc/hosts, /etc/hostname, /etc/resolv.conf for the init layer (relative paths under init/). */
export function initFiles(project: Project, serviceName: string, c: InitTarget): Record<string, string> {
  const service = project.services[serviceName];
  if (!service) throw new NetError('NET_NOT_FOUND', `No such service "${serviceName}"`);
  const hosts: HostsInput = {
    hostname: c.hostname, names: [...new Set([c.name, serviceName, ...c.aliases])].filter((n) => n !== c.hostname),
    ...(service.domainname ? { domainname: service.domainname } : {}),
    ...(service.extra_hosts ? { extraHosts: service.extra_hosts } : {}),
  };
  initInputs.set(c.id, { hosts, service });
  const mode = parseNetworkMode(service.network_mode);
  // Before attach the gateway may not exist yet; attach rewrites these with the real addresses.
  // service:X shares X's namespace, so it uses X's nameserver (our DNS on X's first network).
  const owner = mode.kind === 'service' ? project.services[mode.target] : service;
  const gateway = mode.kind === 'bridge' || (mode.kind === 'service' && owner && parseNetworkMode(owner.network_mode).kind === 'bridge')
    ? firstGateway(project, owner ?? service) : undefined;
  return renderInit(service, { ...hosts, ...(gateway ? { hostGateway: gateway } : {}) }, gateway);
}

function renderInit(service: Service, hosts: HostsInput, embedded: string | undefined): Record<string, string> {
  const mode = parseNetworkMode(service.network_mode);
  let hostResolv: string | undefined;
  if (!embedded) { try { hostResolv = readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none */ } }
  return {
    '/etc/hosts': mode.kind === 'host' ? safeRead('/etc/hosts') ?? hostsFile(hosts) : hostsFile(hosts),
    '/etc/hostname': hostnameFile(hosts.hostname),
    '/etc/resolv.conf': resolvConf({
      ...(embedded ? { embedded } : {}),
      ...(service.dns ? { dns: service.dns } : {}),
      ...(service.dns_search ? { dnsSearch: service.dns_search } : {}),
      ...(service.dns_opt ? { dnsOpt: service.dns_opt } : {}),
      ...(hostResolv ? { hostResolv } : {}),
    }),
  };
}

function safeRead(f: string): string | undefined {
  try { return readFileSync(f, 'utf8'); } catch { return undefined; }
}

function firstGateway(project: Project, service: Service): string | undefined {
  const nets = service.networks ?? { default: null };
  const keys = attaching.orderNetworks(Object.entries(nets).map(([key, cfg]) => ({ key, cfg: cfg ?? null })));
  for (const k of keys) {
    const net = project.networks[k.key];
    const st = net ? networks.findNetwork(net.name) : undefined;
    if (st && !st.internal) return st.gateway;
  }
  return undefined;
}

export function ensureRunDirs(): void {
  mkdirSync(paths.netnsDir(), { recursive: true, mode: 0o755 });
}
