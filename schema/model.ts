// The normalized Project: what schema/ produces and every later layer consumes.
//
// Keys use the Compose Specification's own names (snake_case), so `tscompose config` prints
// this model key-for-key like `docker compose config`. Every short syntax is expanded to its
// long form; durations are milliseconds and byte sizes are numbers here (config prints them
// back in compose's notation). `origins` maps key paths (`services.web.ports[1]`) to where
// the value was written, so any later stage can point an error at the stack file.
import type { Origin } from './errors.ts';

export type Duration = number; // milliseconds
export type Bytes = number;

export interface Project {
  name: string;
  /** Absolute project directory: relative paths in the stack file resolve against it. */
  working_dir: string;
  services: Record<string, Service>;
  /** Services switched off by profiles: kept so the planner can tell "disabled" from "unknown". */
  disabled_services: Record<string, Service>;
  networks: Record<string, Network>;
  volumes: Record<string, Volume>;
  secrets: Record<string, FileObject>;
  configs: Record<string, FileObject>;
  /** Top-level `x-*` keys, kept and otherwise ignored. */
  extensions: Record<string, unknown>;
  /** Key path → source position. Not printed by `config`. */
  origins: Map<string, Origin>;
  /** Stack files that made this project, in merge order (absolute paths). */
  files: string[];
}

export interface Service {
  image?: string;
  build?: BuildConfig;
  pull_policy?: 'always' | 'missing' | 'never' | 'build' | 'if_not_present' | 'daily' | 'weekly' | string;
  platform?: string;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment: Record<string, string | null>;
  env_file?: EnvFileRef[];
  working_dir?: string;
  user?: string;
  group_add?: string[];
  labels: Record<string, string>;
  profiles?: string[];
  depends_on: Record<string, DependsOn>;
  links?: string[];
  external_links?: string[];
  volumes_from?: string[];
  network_mode?: string;
  networks?: Record<string, ServiceNetwork | null>;
  ipc?: string;
  pid?: string;
  uts?: string;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: ServiceVolume[];
  tmpfs?: string[];
  devices?: DeviceMapping[];
  extra_hosts?: Record<string, string[]>;
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  mac_address?: string;
  healthcheck?: Healthcheck;
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped' | string;
  deploy?: Deploy;
  scale?: number;
  init?: boolean;
  privileged?: boolean;
  read_only?: boolean;
  stdin_open?: boolean;
  tty?: boolean;
  stop_signal?: string;
  stop_grace_period?: Duration;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, Ulimit>;
  // Resource limits (top-level service keys; deploy.resources is kept under deploy).
  cpus?: number;
  cpu_shares?: number;
  cpu_quota?: number;
  cpu_period?: number;
  cpu_rt_runtime?: number;
  cpu_rt_period?: number;
  cpuset?: string;
  mem_limit?: Bytes;
  memswap_limit?: Bytes;
  mem_reservation?: Bytes;
  mem_swappiness?: number;
  pids_limit?: number;
  shm_size?: Bytes;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  blkio_config?: BlkioConfig;
  runtime?: string;
  logging?: Logging;
  secrets?: FileObjectRef[];
  configs?: FileObjectRef[];
  develop?: Develop;
  /** `x-*` keys of the service. */
  extensions?: Record<string, unknown>;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  no_cache?: boolean;
  pull?: boolean;
  additional_contexts?: Record<string, string>;
  tags?: string[];
  shm_size?: Bytes;
  network?: string;
  extra_hosts?: Record<string, string[]>;
  cache_from?: string[];
  cache_to?: string[];
  platforms?: string[];
  secrets?: FileObjectRef[];
  ssh?: string[];
  isolation?: string;
  privileged?: boolean;
}

export interface EnvFileRef {
  path: string;
  required: boolean;
  format?: 'raw';
}

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOn {
  condition: DependsOnCondition;
  required: boolean;
  restart?: boolean;
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  gw_priority?: number;
  driver_opts?: Record<string, string>;
  interface_name?: string;
}

export interface PortConfig {
  mode: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** Host port or range (`"8080"`, `"8000-8010"`); absent = a random free port. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
  name?: string;
}

export interface ServiceVolume {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'image' | 'cluster';
  /** Absolute host path (bind), volume name as written in the file (volume), absent for anonymous/tmpfs. */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z'; recursive?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: Bytes; mode?: number };
  image?: { subpath?: string };
}

export interface DeviceMapping {
  source: string;
  target: string;
  permissions: string;
}

export interface Healthcheck {
  /** `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`. */
  test?: string[];
  interval?: Duration;
  timeout?: Duration;
  retries?: number;
  start_period?: Duration;
  start_interval?: Duration;
  disable?: boolean;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface Deploy {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  resources?: {
    limits?: ResourceSpec;
    reservations?: ResourceSpec;
  };
  restart_policy?: {
    condition?: 'none' | 'on-failure' | 'any';
    delay?: Duration;
    max_attempts?: number;
    window?: Duration;
  };
  update_config?: Record<string, unknown>;
  rollback_config?: Record<string, unknown>;
  placement?: Record<string, unknown>;
  endpoint_mode?: string;
}

export interface ResourceSpec {
  cpus?: number;
  memory?: Bytes;
  pids?: number;
  devices?: Record<string, unknown>[];
  generic_resources?: Record<string, unknown>[];
}

export interface BlkioConfig {
  weight?: number;
  weight_device?: { path: string; weight: number }[];
  device_read_bps?: { path: string; rate: Bytes }[];
  device_write_bps?: { path: string; rate: Bytes }[];
  device_read_iops?: { path: string; rate: number }[];
  device_write_iops?: { path: string; rate: number }[];
}

export interface Logging {
  driver?: string;
  options?: Record<string, string>;
}

export interface FileObjectRef {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface Develop {
  watch?: WatchRule[];
}

export interface WatchRule {
  path: string;
  action: 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';
  target?: string;
  ignore?: string[];
  include?: string[];
  initial_sync?: boolean;
  exec?: { command: string[]; user?: string; privileged?: boolean; working_dir?: string; environment?: Record<string, string> };
}

export interface Network {
  /** Host-side name: `<project>_<key>` unless `name:` is set. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: { subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> }[];
    options?: Record<string, string>;
  };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
}

export interface Volume {
  /** Host-side name: `<project>_<key>` unless `name:` is set. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface FileObject {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
}
