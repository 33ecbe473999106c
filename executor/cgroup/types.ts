// The values the cgroup drivers apply and report. Shapes follow the OCI runtime spec's
// `linux.resources` (so the runtime's spec and the driver share one description of a limit),
// with one addition: `cpu.weight`, because cgroup v2 users write cpu_weight directly and a
// round-trip through v1 shares would lose precision.

export interface CpuResources {
  /** v1 cpu.shares (2..262144). Derived from `weight` when only that is given. */
  shares?: number;
  /** v2 cpu.weight (1..10000). Derived from `shares` when only that is given. */
  weight?: number;
  /** CFS quota in µs per period; -1 = unlimited. */
  quota?: number;
  /** CFS period in µs. */
  period?: number;
  /** cpuset.cpus list (`0-1,3`). */
  cpus?: string;
  /** cpuset.mems list. */
  mems?: string;
}

export interface MemoryResources {
  /** Hard limit in bytes (v1 memory.limit_in_bytes, v2 memory.max). */
  limit?: number;
  /** Soft guarantee in bytes (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  reservation?: number;
  /** Throttling threshold in bytes (v2 memory.high only; v1 has no equivalent and ignores it). */
  high?: number;
  /** Memory + swap in bytes, as docker's --memory-swap (v1 memory.memsw.limit_in_bytes; v2 memory.swap.max = swap - limit); -1 = unlimited swap. */
  swap?: number;
  /** 0..100 (v1 memory.swappiness). */
  swappiness?: number;
  /** v1 memory.oom_control = 1. */
  disableOOMKiller?: boolean;
}

/** Block I/O: a weight, per-device weights and throttles; devices by path, resolved to major:minor when applied. */
export interface BlockIOResources {
  /** 10..1000 (blkio scale; converted for v2's io.weight). */
  weight?: number;
  weightDevice?: { path: string; weight: number }[];
  throttleReadBpsDevice?: { path: string; rate: number }[];
  throttleWriteBpsDevice?: { path: string; rate: number }[];
  throttleReadIOPSDevice?: { path: string; rate: number }[];
  throttleWriteIOPSDevice?: { path: string; rate: number }[];
}

/** One device cgroup rule (v1 devices.allow / devices.deny). `major`/`minor` -1 = `*`. */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  major: number;
  minor: number;
  access: string;
}

export interface CgroupResources {
  cpu?: CpuResources;
  memory?: MemoryResources;
  pids?: { limit: number };
  blockIO?: BlockIOResources;
  /** Device rules applied after the default allow-list; absent = docker's defaults only. */
  devices?: DeviceRule[];
  /** `privileged: true`: every device allowed. */
  allDevices?: boolean;
}

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** A created container cgroup: its leaf directory in every hierarchy it lives in. */
export interface CgroupHandle {
  project: string;
  id: string;
  /** hierarchy key (`cpu`, `memory`, `unified`, `name=systemd`, …) → absolute leaf directory. */
  dirs: Record<string, string>;
}

export interface CgroupStats {
  /** Total CPU time consumed, nanoseconds. */
  cpuUsageNs: number;
  /** CPUs allowed by the CFS quota (quota / period); undefined when unlimited. What `ps`/`inspect` show as in effect. */
  cpuLimit: number | undefined;
  memoryUsage: number;
  /** Hard limit in bytes; undefined when unlimited. */
  memoryLimit: number | undefined;
  pidsCurrent: number;
  pidsLimit: number | undefined;
}

export interface CgroupDriver {
  readonly mode: CgroupMode;
  /** Root the driver works under (`/sys/fs/cgroup`, or a temp dir in tests). */
  readonly fsRoot: string;
  /** mkdir in every hierarchy + limits; cpuset filled before any task can join. */
  create(project: string, id: string, r: CgroupResources): CgroupHandle;
  /** The handle of an existing container cgroup (for a supervisor that reattaches). */
  handle(project: string, id: string): CgroupHandle;
  /** cgroup.procs files the launch helper writes the child PID into. */
  procsFiles(h: CgroupHandle): string[];
  /** Resolves once every task is frozen. */
  freeze(h: CgroupHandle): Promise<void>;
  thaw(h: CgroupHandle): Promise<void>;
  stats(h: CgroupHandle): CgroupStats;
  oomKilled(h: CgroupHandle): boolean;
  /** SIGKILL every task; resolves when the cgroup is empty. */
  killAll(h: CgroupHandle): Promise<void>;
  /** rmdir the leaf everywhere, then empty parents; idempotent. */
  remove(h: CgroupHandle): Promise<void>;
  removeProject(project: string): Promise<void>;
}
