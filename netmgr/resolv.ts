// /etc/resolv.conf of a container's init layer (pure). On a bridge network the only nameserver is our
// embedded DNS on the first network's gateway: it answers our names and forwards the rest (to the
// service's `dns:` servers if set, else to the host's resolvers). Without our DNS (host/none modes)
// the service's `dns:` or the host's own resolv.conf are used.
export interface ResolvInput {
  /** Our DNS server address (gateway of the first network); absent for host/none. */
  embedded?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOpt?: string[];
  /** The host's /etc/resolv.conf text, used when there is no embedded server and no `dns:`. */
  hostResolv?: string;
}

export function resolvConf(r: ResolvInput): string {
  const lines: string[] = [];
  if (r.embedded) lines.push(`nameserver ${r.embedded}`);
  else if (r.dns?.length) for (const s of r.dns) lines.push(`nameserver ${s}`);
  else if (r.hostResolv) {
    for (const l of r.hostResolv.split('\n')) {
      // A loopback resolver of the host (systemd-resolved 127.0.0.53) is reachable only in host mode;
      // the caller passes hostResolv only where that holds.
      if (/^\s*(nameserver|search|options|domain)\b/.test(l) && !(r.dnsSearch?.length && /^\s*(search|domain)\b/.test(l)) && !(r.dnsOpt?.length && /^\s*options\b/.test(l))) lines.push(l.trim());
    }
  }
  if (r.dnsSearch?.length) lines.push(`search ${r.dnsSearch.join(' ')}`);
  if (r.dnsOpt?.length) lines.push(`options ${r.dnsOpt.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Nameserver addresses of a resolv.conf text (for forwarding). */
export function nameservers(text: string): string[] {
  return text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
}
