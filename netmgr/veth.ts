// One container's links, as two `ip -batch` scripts (pure): the host side (veth pairs created with
// their container end directly inside the pinned namespace, host end on the bridge) and the
// container side (addresses, lo, default route). Two spawns per container whatever the number of
// networks; bench/net measures it.
export interface VethSpec {
  veth: string;
  ifname: string;
  bridge: string;
  address: string;
  prefix: number;
  mac: string;
  mtu?: number;
}

export function hostLines(netns: string, links: VethSpec[]): string[] {
  return links.flatMap((l) => {
    const mtu = l.mtu ? ` mtu ${l.mtu}` : '';
    return [
      // The peer is born in the container's namespace under its final name: no rename, no move.
      `link add ${l.veth}${mtu} type veth peer name ${l.ifname}${mtu} address ${l.mac} netns ${netns}`,
      `link set ${l.veth} master ${l.bridge} up`,
    ];
  });
}

export function containerLines(links: VethSpec[], defaultGateway: { ifname: string; gateway: string } | undefined): string[] {
  return [
    'link set lo up',
    ...links.flatMap((l) => [`addr add ${l.address}/${l.prefix} dev ${l.ifname}`, `link set ${l.ifname} up`]),
    ...(defaultGateway ? [`route add default via ${defaultGateway.gateway} dev ${defaultGateway.ifname}`] : []),
  ];
}
