// /etc/hosts and /etc/hostname of a container's init layer (pure). Seeded like docker's: localhost
// entries, the container's own address and names, then extra_hosts (host-gateway resolved).
export interface HostsInput {
  hostname: string;
  domainname?: string;
  /** The container's address on its first network, when it has one. */
  address?: string;
  /** Names for the own address besides the hostname (container name, service, aliases of the first network). */
  names?: string[];
  /** extra_hosts as normalized by schema/: host → addresses (`host-gateway` allowed). */
  extraHosts?: Record<string, string[]>;
  /** What `host-gateway` means: the host's address on the container's first network (its gateway). */
  hostGateway?: string;
}

export function hostsFile(h: HostsInput): string {
  const fqdn = h.domainname ? `${h.hostname}.${h.domainname}` : undefined;
  const own = [...new Set([...(fqdn ? [fqdn] : []), h.hostname, ...(h.names ?? [])])];
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    // No network (network_mode none): the hostname must still resolve, as on any Debian host.
    h.address ? `${h.address}\t${own.join(' ')}` : `127.0.1.1\t${own.join(' ')}`,
  ];
  for (const host of Object.keys(h.extraHosts ?? {}).sort()) {
    for (const ip of h.extraHosts?.[host] ?? []) {
      const addr = ip === 'host-gateway' ? (h.hostGateway ?? '127.0.0.1') : ip;
      lines.push(`${addr}\t${host}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}
