// Host-side names of our objects (ARCHITECTURE.md "Host objects and names"): every link we create
// starts with tsc-/tsv-, so a leak check and `down` after a crash can find them by name alone.
import { sha256Hex } from '../planner/sha256.ts';

/** Linux bridge of a network: `tsc-` + 8 hex of the network id (IFNAMSIZ leaves 15 characters). */
export function bridgeName(networkId: string): string {
  return `tsc-${networkId.slice(0, 8)}`;
}

/** Host end of a container's veth on one network: `tsv` + 11 hex, stable for (container, network). */
export function vethName(containerId: string, networkId: string): string {
  return `tsv${sha256Hex(`${containerId}/${networkId}`).slice(0, 11)}`;
}

/** A locally administered unicast MAC derived from the address, like docker's 02:42:… scheme. */
export function macFor(ip: string): string {
  const o = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
  return ['02', '42', ...o].join(':');
}
