// The Project as `docker compose config` prints it: compose-go's struct field order for each object
// (types.go), map keys sorted (go-yaml sorts maps), durations back as Go duration strings ("1m30s"),
// byte sizes as decimal strings, file modes as octal strings ("0440"), extra_hosts as sorted
// "host=ip" lists, a ulimit with soft == hard as one number. Pure: returns a plain ordered tree.
import { Document, visit } from 'yaml';
import type { Project } from './model.ts';
import { formatBytes, formatDuration } from './units.ts';

type Obj = Record<string, unknown>;
type Shape = (v: unknown, json: boolean) => unknown;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys first in the given order, then any others (kept as written), `x-*` extensions last. */
function ordered(order: string[], shapes: Record<string, Shape> = {}): Shape {
  return (v, json) => {
    if (!isObj(v)) return v;
    const out: Obj = {};
    const put = (k: string) => {
      const x = v[k];
      if (x === undefined) return;
      const s = shapes[k];
      out[k] = s ? s(x, json) : x;
    };
    for (const k of order) put(k);
    for (const k of Object.keys(v)) if (!(k in out) && !k.startsWith('x-') && k !== 'extensions') put(k);
    for (const k of Object.keys(v)) if (k.startsWith('x-')) out[k] = sortDeep(v[k]);
    if (isObj(v.extensions)) for (const [k, x] of Object.entries(v.extensions)) out[k] = sortDeep(x);
    return out;
  };
}
/** Extension values are free-form maps: go-yaml prints every map with sorted keys. */
function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) out[k] = sortDeep(v[k]);
  return out;
}
const sorted = (inner?: Shape): Shape => (v, json) => {
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) out[k] = inner ? inner(v[k], json) : v[k];
  return out;
};
const list = (inner: Shape): Shape => (v, json) => (Array.isArray(v) ? v.map((x) => inner(x, json)) : v);
const dur: Shape = (v) => (typeof v === 'number' ? formatDuration(v) : v);
const size: Shape = (v) => (typeof v === 'number' ? formatBytes(v) : v);
const mode: Shape = (v) => (typeof v === 'number' ? `0${v.toString(8)}` : v);
const hosts: Shape = (v) => {
  if (!isObj(v)) return v;
  const out: string[] = [];
  for (const [h, ips] of Object.entries(v)) for (const ip of Array.isArray(ips) ? ips : [ips]) out.push(`${h}=${String(ip)}`);
  return out.sort();
};
const ulimits: Shape = sorted((v) => (isObj(v) && v.soft === v.hard ? v.soft : ordered(['soft', 'hard'])(v, false)));
const fileRef = ordered(['source', 'target', 'uid', 'gid', 'mode'], { mode });
const resource = ordered(['cpus', 'memory', 'pids', 'devices', 'generic_resources'], { memory: size });
const throttle = list(ordered(['path', 'rate'], { rate: size }));

const build = ordered(
  ['context', 'dockerfile', 'dockerfile_inline', 'entitlements', 'args', 'provenance', 'sbom', 'ssh', 'labels', 'cache_from',
    'cache_to', 'no_cache', 'no_cache_filter', 'additional_contexts', 'pull', 'extra_hosts', 'isolation', 'network', 'target',
    'secrets', 'shm_size', 'tags', 'ulimits', 'platforms', 'privileged'],
  { args: sorted(), labels: sorted(), additional_contexts: sorted(), extra_hosts: hosts, secrets: list(fileRef), shm_size: size, ulimits },
);
const healthcheck = ordered(['test', 'timeout', 'interval', 'retries', 'start_period', 'start_interval', 'disable'], {
  timeout: dur, interval: dur, start_period: dur, start_interval: dur,
});
const deploy = ordered(['mode', 'replicas', 'labels', 'update_config', 'rollback_config', 'resources', 'restart_policy', 'placement', 'endpoint_mode'], {
  labels: sorted(),
  resources: ordered(['limits', 'reservations'], { limits: resource, reservations: resource }),
  restart_policy: ordered(['condition', 'delay', 'max_attempts', 'window'], { delay: dur, window: dur }),
});
const port = ordered(['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol']);
const volume = ordered(['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'], {
  bind: ordered(['selinux', 'propagation', 'create_host_path', 'recursive']),
  volume: ordered(['labels', 'nocopy', 'subpath']),
  tmpfs: ordered(['size', 'mode'], { size, mode: (v) => v }),
});
const serviceNetwork: Shape = (v, json) => (v === null ? null : ordered(
  ['aliases', 'driver_opts', 'gw_priority', 'interface_name', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'priority'],
  { driver_opts: sorted() },
)(v, json));
const dependsOn = sorted(ordered(['condition', 'restart', 'required']));

const SERVICE_ORDER = ['profiles', 'annotations', 'attach', 'build', 'develop', 'blkio_config', 'cap_add', 'cap_drop', 'cgroup_parent',
  'cgroup', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period', 'cpu_rt_runtime', 'cpus', 'cpuset', 'cpu_shares',
  'command', 'configs', 'container_name', 'credential_spec', 'depends_on', 'deploy', 'device_cgroup_rules', 'devices', 'dns',
  'dns_opt', 'dns_search', 'dockerfile', 'domainname', 'entrypoint', 'provider', 'environment', 'env_file', 'expose', 'extends',
  'external_links', 'extra_hosts', 'group_add', 'gpus', 'hostname', 'healthcheck', 'image', 'init', 'ipc', 'isolation', 'labels',
  'label_file', 'links', 'logging', 'log_driver', 'log_opt', 'mem_limit', 'mem_reservation', 'memswap_limit', 'mem_swappiness',
  'mac_address', 'models', 'net', 'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform',
  'ports', 'privileged', 'pull_policy', 'read_only', 'restart', 'runtime', 'scale', 'secrets', 'security_opt', 'shm_size',
  'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'user',
  'userns_mode', 'uts', 'volume_driver', 'volumes', 'volumes_from', 'working_dir', 'pre_start', 'post_start', 'pre_stop'];

const serviceShape = ordered(SERVICE_ORDER, {
  annotations: sorted(),
  build,
  blkio_config: ordered(['weight', 'weight_device', 'device_read_bps', 'device_read_iops', 'device_write_bps', 'device_write_iops'], {
    device_read_bps: throttle, device_write_bps: throttle,
  }),
  configs: list(fileRef),
  depends_on: dependsOn,
  deploy,
  env_file: list(ordered(['path', 'required', 'format'])),
  environment: sorted(),
  extra_hosts: hosts,
  healthcheck,
  labels: sorted(),
  logging: ordered(['driver', 'options'], { options: sorted() }),
  mem_limit: size, mem_reservation: size, memswap_limit: size, shm_size: size,
  networks: sorted(serviceNetwork),
  ports: list(port),
  secrets: list(fileRef),
  stop_grace_period: dur,
  sysctls: sorted(),
  ulimits,
  volumes: list(volume),
});

const network = ordered(['name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable', 'labels', 'enable_ipv4', 'enable_ipv6'], {
  driver_opts: sorted(),
  ipam: ordered(['driver', 'config', 'options'], { config: list(ordered(['subnet', 'gateway', 'ip_range', 'aux_addresses'])) }),
  labels: sorted(),
});
const volumeTop = ordered(['name', 'driver', 'driver_opts', 'external', 'labels'], { driver_opts: sorted(), labels: sorted() });
const fileObject = ordered(['name', 'file', 'environment', 'content', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'], { labels: sorted() });

/** The `config` view of a project. `json` adds what compose's JSON always carries (command/entrypoint). */
export function configTree(p: Project, opts: { json?: boolean } = {}): Obj {
  const json = opts.json === true;
  const services: Obj = {};
  for (const name of Object.keys(p.services).sort()) {
    const svc = p.services[name]!;
    // compose's JSON always carries command and entrypoint (no omitempty there), in their place.
    const src = json ? { ...svc, command: svc.command ?? null, entrypoint: svc.entrypoint ?? null } : svc;
    const s = serviceShape(src, json) as Obj;
    // compose omits empty maps (omitempty) and our model always has these three.
    for (const k of ['environment', 'labels', 'depends_on']) if (isObj(s[k]) && Object.keys(s[k] as Obj).length === 0) delete s[k];
    services[name] = s;
  }
  const out: Obj = { name: p.name, services };
  const section = (k: 'networks' | 'volumes' | 'secrets' | 'configs', shape: Shape) => {
    const src = p[k] as Obj;
    if (Object.keys(src).length) out[k] = sorted(shape)(src, json);
  };
  section('networks', network);
  section('volumes', volumeTop);
  section('secrets', fileObject);
  section('configs', fileObject);
  for (const [k, v] of Object.entries(p.extensions)) out[k] = sortDeep(v);
  return out;
}

/**
 * `config` output text: YAML like compose's (2-space indent, no line folding) or JSON.
 * Values were interpolated, so a literal `$` in them is written back as `$$`: the output loads
 * again to the same project (pass escapeDollars: false for --no-interpolate output).
 */
export function renderConfig(p: Project, format: 'yaml' | 'json' = 'yaml', opts: { escapeDollars?: boolean } = {}): string {
  let tree = configTree(p, { json: format === 'json' });
  if (opts.escapeDollars !== false) tree = escapeDollars(tree) as Obj;
  if (format === 'json') return JSON.stringify(tree, null, 2) + '\n';
  const doc = new Document(tree, { aliasDuplicateObjects: false });
  // go-yaml (compose) quotes strings a YAML 1.1 reader would take as booleans or null ("yes",
  // "off", "~"); the 1.2 core schema would print them bare. Quote them too, for any reader.
  visit(doc, {
    Scalar(_k, node) {
      if (typeof node.value === 'string' && YAML11_WORDS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indent: 2, lineWidth: 0, indentSeq: true });
}

const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL)$/;

function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('$') ? v.replaceAll('$', () => '$$') : v;
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = escapeDollars(x);
    return out;
  }
  return v;
}
