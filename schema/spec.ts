// Our compose input schema, declared once with TypeBox: `ComposeFile` is both the JSON Schema that
// ajv compiles (schema/validate.ts) and, through Static<>, the TypeScript type of a raw stack file.
// Written from the Compose Specification's key set. Scalars that may come from interpolation
// (numbers, booleans) also accept strings: canonical rules convert and check them afterwards,
// as compose-go does after interpolation. Every object accepts `x-*` extension keys.
import { Type } from '@sinclair/typebox';
import type { Static, TSchema, TProperties } from '@sinclair/typebox';

const X = { '^x-': {} };
/** An object with only the listed (optional) keys, plus `x-*` extensions. */
function Obj<P extends TProperties>(props: P, required: (keyof P & string)[] = []) {
  const opt: TProperties = {};
  for (const [k, v] of Object.entries(props)) opt[k] = required.includes(k) ? v : Type.Optional(v);
  return Type.Object(opt as { [K in keyof P]: P[K] }, { additionalProperties: false, patternProperties: X });
}
const Map_ = (v: TSchema) => Type.Record(Type.String(), v);

/**
 * Shared and object shapes are declared once under an $id and referenced: ajv then generates one
 * small function per shape instead of one huge inlined function, and V8 compiles (lazily, on every
 * CLI start) only the functions a stack file actually reaches.
 */
export const SHARED_DEFS: TSchema[] = [];
function Def<T extends TSchema>(id: string, schema: T) {
  SHARED_DEFS.push({ ...schema, $id: id });
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

const Str = Type.String();
/** A closed set of strings (ajv `enum`, one clear error listing the allowed values). */
const Enum = <T extends string>(...values: T[]) => Type.Unsafe<T>({ type: 'string', enum: values });
const Num = Type.Union([Type.Number(), Type.String()]);
const Int = Type.Union([Type.Integer(), Type.String()]);
const Bool = Type.Union([Type.Boolean(), Type.String()]);
const Null = Type.Null();
const StrList = Type.Array(Str);
const StrOrList = Def('StrOrList', Type.Union([Str, StrList]));
const Command = Type.Union([Null, Str, StrList]);
const Scalar = Type.Union([Str, Type.Number(), Type.Boolean(), Null]);
/** `KEY=VALUE` list or a mapping (environment, labels, args, sysctls …). */
const ListOrDict = Def('ListOrDict', Type.Union([Map_(Scalar), Type.Array(Type.Union([Str, Type.Number()]))]));
const Duration = Type.Union([Str, Type.Number()]);
const Size = Type.Union([Str, Type.Number()]);
const AnyObj = Type.Record(Type.String(), Type.Unknown());

const FileRef = Def('FileRef', Type.Union([Str, Obj({ source: Str, target: Str, uid: Str, gid: Str, mode: Num })]));
const External = Type.Union([Bool, Obj({ name: Str })]);

const Healthcheck = Def('Healthcheck', Obj({
  disable: Bool, interval: Duration, retries: Num, test: StrOrList, timeout: Duration,
  start_period: Duration, start_interval: Duration,
}));

const ThrottleDevice = Obj({ path: Str, rate: Size }, ['path', 'rate']);
const BlkioConfig = Def('BlkioConfig', Obj({
  weight: Int,
  weight_device: Type.Array(Obj({ path: Str, weight: Int })),
  device_read_bps: Type.Array(ThrottleDevice), device_read_iops: Type.Array(ThrottleDevice),
  device_write_bps: Type.Array(ThrottleDevice), device_write_iops: Type.Array(ThrottleDevice),
}));

const Build = Def('Build', Type.Union([Str, Obj({
  context: Str, dockerfile: Str, dockerfile_inline: Str, entitlements: StrList, args: ListOrDict,
  ssh: Type.Union([ListOrDict, Str]), labels: ListOrDict, cache_from: StrList, cache_to: StrList, no_cache: Bool,
  no_cache_filter: StrOrList, additional_contexts: ListOrDict, network: Str, provenance: Type.Union([Str, Bool]),
  sbom: Type.Union([Str, Bool]), pull: Bool, target: Str, shm_size: Size, extra_hosts: ListOrDict,
  isolation: Str, privileged: Bool, secrets: Type.Array(FileRef), tags: StrList, ulimits: AnyObj, platforms: StrList,
})]));

const ResourceSpec = Def('ResourceSpec', Obj({
  cpus: Num, memory: Size, pids: Int,
  devices: Type.Array(AnyObj), generic_resources: Type.Array(AnyObj),
}));
const Deploy = Def('Deploy', Obj({
  mode: Str, endpoint_mode: Str, replicas: Int, labels: ListOrDict,
  rollback_config: AnyObj, update_config: AnyObj,
  resources: Obj({ limits: ResourceSpec, reservations: ResourceSpec }),
  restart_policy: Obj({ condition: Str, delay: Duration, max_attempts: Int, window: Duration }),
  placement: AnyObj,
}));

const ServiceVolume = Def('ServiceVolume', Type.Union([Str, Obj({
  type: Enum('bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'), source: Str, target: Str, read_only: Bool, consistency: Str,
  bind: Obj({ propagation: Str, create_host_path: Bool, recursive: Str, selinux: Str }),
  volume: Obj({ labels: ListOrDict, nocopy: Bool, subpath: Str }),
  tmpfs: Obj({ size: Size, mode: Num }),
  image: Obj({ subpath: Str }),
}, ['type'])]));

const Port = Def('Port', Type.Union([Type.Number(), Str, Obj({
  name: Str, mode: Enum('host', 'ingress'), host_ip: Str, target: Int, published: Type.Union([Str, Type.Integer()]),
  protocol: Str, app_protocol: Str,
})]));

const ServiceNetwork = Def('ServiceNetwork', Type.Union([Null, Obj({
  aliases: StrList, interface_name: Str, ipv4_address: Str, ipv6_address: Str, link_local_ips: StrList,
  mac_address: Str, driver_opts: Map_(Type.Union([Str, Type.Number()])), priority: Num, gw_priority: Num,
})]));

const DependsOn = Def('DependsOn', Type.Union([StrList, Map_(Obj({ condition: Enum('service_started', 'service_healthy', 'service_completed_successfully'), restart: Bool, required: Bool }))]));

const Develop = Def('Develop', Obj({
  watch: Type.Array(Obj({
    path: Str, action: Enum('rebuild', 'sync', 'restart', 'sync+restart', 'sync+exec'), target: Str, ignore: StrOrList, include: StrOrList, initial_sync: Bool,
    exec: Obj({ command: StrOrList, user: Str, privileged: Bool, working_dir: Str, environment: ListOrDict }),
  }, ['path', 'action'])),
}));

const Logging = Def('Logging', Obj({ driver: Str, options: Map_(Type.Union([Str, Type.Number(), Null])) }));
const Ulimits = Def('Ulimits', Map_(Type.Union([Int, Obj({ soft: Int, hard: Int }, ['soft', 'hard'])])));
const Extends = Type.Union([Str, Obj({ service: Str, file: Str }, ['service'])]);

export const ServiceSpec = Def('Service', Obj({
  annotations: ListOrDict, attach: Bool, build: Build, blkio_config: BlkioConfig,
  cap_add: StrList, cap_drop: StrList, cgroup: Str, cgroup_parent: Str, command: Command,
  configs: Type.Array(FileRef), container_name: Str, cpu_count: Int, cpu_percent: Num, cpu_shares: Int,
  cpu_quota: Int, cpu_period: Int, cpu_rt_period: Int, cpu_rt_runtime: Int, cpus: Num, cpuset: Str,
  credential_spec: AnyObj, depends_on: DependsOn, deploy: Type.Union([Null, Deploy]), develop: Type.Union([Null, Develop]),
  device_cgroup_rules: StrList, devices: Type.Array(Type.Union([Str, Obj({ source: Str, target: Str, permissions: Str })])),
  dns: StrOrList, dns_opt: StrList, dns_search: StrOrList, domainname: Str, entrypoint: Command,
  env_file: Type.Union([Str, Type.Array(Type.Union([Str, Obj({ path: Str, required: Bool, format: Enum('raw') }, ['path'])]))]),
  label_file: StrOrList, environment: ListOrDict, expose: Type.Array(Type.Union([Str, Type.Number()])),
  extends: Extends, external_links: StrList, extra_hosts: Type.Union([ListOrDict, Map_(StrOrList)]),
  gpus: Type.Union([Str, Type.Array(AnyObj)]), group_add: Type.Array(Type.Union([Str, Type.Number()])),
  healthcheck: Healthcheck, hostname: Str, image: Str, init: Bool, ipc: Str, isolation: Str,
  labels: ListOrDict, links: StrList, logging: Logging, mac_address: Str, mem_limit: Size,
  mem_reservation: Size, mem_swappiness: Int, memswap_limit: Size, network_mode: Str, models: Type.Unknown(),
  networks: Type.Union([StrList, Map_(ServiceNetwork)]), oom_kill_disable: Bool, oom_score_adj: Int, pid: Type.Union([Str, Null]),
  pids_limit: Int, platform: Str, ports: Type.Array(Port), pre_start: Type.Array(AnyObj), post_start: Type.Array(AnyObj), pre_stop: Type.Array(AnyObj),
  privileged: Bool, profiles: StrList, provider: AnyObj, pull_policy: Str, pull_refresh_after: Str, read_only: Bool,
  restart: Str, runtime: Str, scale: Int, secrets: Type.Array(FileRef), security_opt: StrList, shm_size: Size,
  stdin_open: Bool, stop_grace_period: Duration, stop_signal: Str, storage_opt: AnyObj, sysctls: ListOrDict,
  tmpfs: StrOrList, tty: Bool, ulimits: Ulimits, use_api_socket: Bool, user: Str, uts: Str, userns_mode: Str,
  volumes: Type.Array(ServiceVolume), volumes_from: StrList, working_dir: Str,
}));

const Labels = ListOrDict;
const NetworkSpec = Def('Network', Type.Union([Null, Obj({
  name: Str, driver: Str, driver_opts: Map_(Type.Union([Str, Type.Number()])),
  ipam: Obj({
    driver: Str,
    config: Type.Array(Obj({ subnet: Str, ip_range: Str, gateway: Str, aux_addresses: Map_(Str) })),
    options: Map_(Str),
  }),
  external: External, internal: Bool, attachable: Bool, enable_ipv4: Bool, enable_ipv6: Bool, labels: Labels,
})]));
const VolumeSpec = Def('Volume', Type.Union([Null, Obj({
  name: Str, driver: Str, driver_opts: Map_(Type.Union([Str, Type.Number()])), external: External, labels: Labels,
})]));
const FileObjectSpec = Def('FileObject', Obj({
  name: Str, file: Str, environment: Str, content: Str, external: External, labels: Labels,
  driver: Str, driver_opts: Map_(Type.Union([Str, Type.Number()])), template_driver: Str,
}));
const Include = Def('Include', Type.Union([Str, Obj({ path: StrOrList, env_file: StrOrList, project_directory: Str }, ['path'])]));

export const ComposeFile = Obj({
  version: Str,
  name: Str,
  include: Type.Array(Include),
  services: Type.Union([Null, Map_(Type.Union([Null, ServiceSpec]))]),
  networks: Type.Union([Null, Map_(NetworkSpec)]),
  volumes: Type.Union([Null, Map_(VolumeSpec)]),
  secrets: Type.Union([Null, Map_(FileObjectSpec)]),
  configs: Type.Union([Null, Map_(FileObjectSpec)]),
  models: Type.Unknown(),
});

export type ComposeFileInput = Static<typeof ComposeFile>;
export type ServiceInput = Static<typeof ServiceSpec>;
