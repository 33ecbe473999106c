// Linux capabilities for a container: docker's default set, adjusted by cap_add / cap_drop
// (with `ALL`, with or without the `CAP_` prefix, any case), or every capability when
// privileged. Output both as names (the OCI spec's `process.capabilities`) and as the 64-bit
// mask capset(2) takes as two 32-bit words. Pure.
import { TscError } from '../../schema/errors.ts';

/** Capability numbers from <linux/capability.h>; the index is the bit. */
export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;

export type Capability = `CAP_${(typeof CAPABILITIES)[number]}`;

/** What docker gives a container that asks for nothing (moby's default set). */
export const DEFAULT_CAPABILITIES: readonly Capability[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const ALL_CAPS: readonly Capability[] = CAPABILITIES.map((c) => `CAP_${c}` as Capability);

export function capNumber(cap: Capability): number {
  return CAPABILITIES.indexOf(cap.slice(4) as (typeof CAPABILITIES)[number]);
}

/** `net_admin`, `NET_ADMIN`, `cap_net_admin` → `CAP_NET_ADMIN`; `all` → `ALL`; unknown → error naming the key. */
export function normalizeCapability(raw: string, key = 'cap_add'): Capability | 'ALL' {
  const up = raw.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!(ALL_CAPS as readonly string[]).includes(name)) {
    throw new TscError('CAPABILITY', `Unknown capability "${raw}" in ${key}`, {
      hint: `known capabilities: ${CAPABILITIES.join(', ')} (with or without CAP_), or ALL`,
    });
  }
  return name as Capability;
}

export interface CapabilityInput {
  cap_add?: string[];
  cap_drop?: string[];
  privileged?: boolean;
}

export interface CapabilitySet {
  /** Sorted by capability number. */
  names: Capability[];
  /** Bit n set = capability n. */
  mask: bigint;
  /** capset(2)'s `struct __user_cap_data_struct[2]` words: [bits 0–31, bits 32–63]. */
  words: [number, number];
}

export function toCapabilitySet(caps: Iterable<Capability>): CapabilitySet {
  const nums = [...new Set([...caps].map(capNumber))].sort((a, b) => a - b);
  let mask = 0n;
  for (const n of nums) mask |= 1n << BigInt(n);
  return {
    names: nums.map((n) => ALL_CAPS[n]!),
    mask,
    words: [Number(mask & 0xffffffffn), Number(mask >> 32n)],
  };
}

/**
 * docker's rules: privileged = every capability (cap_add/cap_drop do not matter); otherwise
 * start from the default set, or from every capability if cap_add has ALL, or from nothing if
 * cap_drop has ALL; drop cap_drop, then add cap_add (a capability in both is kept, as in docker).
 */
export function capabilitiesOf(s: CapabilityInput, name?: string): CapabilitySet {
  const where = name ? ` of service "${name}"` : '';
  const norm = (list: string[] | undefined, key: string) => {
    try {
      return (list ?? []).map((c) => normalizeCapability(c, key));
    } catch (e) {
      if (e instanceof TscError) throw new TscError(e.code, `${e.message}${where}`, { hint: e.hint ?? '' });
      throw e;
    }
  };
  const add = norm(s.cap_add, 'cap_add');
  const drop = norm(s.cap_drop, 'cap_drop');
  if (s.privileged) return toCapabilitySet(ALL_CAPS);
  const addCaps = add.filter((c): c is Capability => c !== 'ALL');
  const dropCaps = new Set(drop.filter((c): c is Capability => c !== 'ALL'));
  let base: readonly Capability[];
  if (add.includes('ALL')) base = ALL_CAPS;
  else if (drop.includes('ALL')) base = [];
  else base = DEFAULT_CAPABILITIES;
  const kept = base.filter((c) => !dropCaps.has(c) || addCaps.includes(c));
  return toCapabilitySet([...kept, ...(add.includes('ALL') ? [] : addCaps)]);
}

/** The OCI `process.capabilities` block as docker fills it: no inheritable or ambient capabilities. */
export function ociCapabilities(set: CapabilitySet): { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] } {
  return { bounding: [...set.names], effective: [...set.names], permitted: [...set.names], inheritable: [], ambient: [] };
}

/** Drops capabilities the running kernel does not know (`/proc/sys/kernel/cap_last_cap`): capset refuses unknown bits. */
export function clampToKernel(set: CapabilitySet, lastCap: number): CapabilitySet {
  return toCapabilitySet(set.names.filter((c) => capNumber(c) <= lastCap));
}
