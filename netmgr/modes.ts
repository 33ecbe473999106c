// network_mode (pure): which namespace a container gets. `service:X` / `container:X` join the other
// container's pinned namespace file ($TSCOMPOSE_RUN/netns/<id>); a container that is not ours is
// joined through /proc/<pid>/ns/net (`container:<pid>`).
import { NetError } from './errors.ts';

export type NetworkMode =
  | { kind: 'bridge' }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'service' | 'container'; target: string };

export function parseNetworkMode(mode: string | undefined): NetworkMode {
  if (mode === undefined || mode === '' || mode === 'bridge' || mode === 'default') return { kind: 'bridge' };
  if (mode === 'host' || mode === 'none') return { kind: mode };
  const m = /^(service|container):(.+)$/.exec(mode);
  if (m?.[1] && m[2]) return { kind: m[1] as 'service' | 'container', target: m[2] };
  throw new NetError('NET_MODE', `Unsupported network_mode "${mode}"`, { hint: 'use bridge, host, none, service:NAME or container:NAME' });
}

export interface JoinLookup {
  /** Namespace file of a running container of ours: by service name (any replica, lowest number first) or container name. */
  netnsOfService(service: string): string | undefined;
  netnsOfContainer(name: string): string | undefined;
}

/** The namespace file to join for a `service:`/`container:` mode; undefined for modes that make or use none. */
export function joinPath(mode: NetworkMode, lookup: JoinLookup): string | undefined {
  if (mode.kind === 'service') {
    const p = lookup.netnsOfService(mode.target);
    if (!p) throw new NetError('NET_MODE', `network_mode "service:${mode.target}": that service has no container with a network namespace`, { hint: `create "${mode.target}" first (depends_on)` });
    return p;
  }
  if (mode.kind === 'container') {
    const p = lookup.netnsOfContainer(mode.target);
    if (p) return p;
    if (/^\d+$/.test(mode.target)) return `/proc/${mode.target}/ns/net`;
    throw new NetError('NET_MODE', `network_mode "container:${mode.target}": no such container`);
  }
  return undefined;
}
