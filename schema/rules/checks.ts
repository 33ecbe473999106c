// Semantic checks the JSON schema cannot express, as a table keyed by key-path pattern
// (compose-go validation/validation.go): references to unknown services, networks, volumes,
// secrets and configs, duplicate container names. Each check returns problems; all of them are
// reported together. Dependency cycles are not checked here: the planner's service graph owns
// them (every edge kind, one message), and the loader runs it (schema/load.ts).
import { compile, lookup } from './pattern.ts';
import { childPath } from '../tree.ts';
import type { TreeProblem } from '../interpolate.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CheckContext {
  tree: Obj;
  /** Services switched off by profiles: known, but not running. */
  disabled: Set<string>;
  service: string;
}

type Check = (v: unknown, c: CheckContext, path: string) => TreeProblem[];

const services = (c: CheckContext) => (isObj(c.tree.services) ? c.tree.services : {});
const section = (c: CheckContext, s: string) => (isObj(c.tree[s]) ? (c.tree[s] as Obj) : {});
const known = (c: CheckContext, name: string) => name in services(c) || c.disabled.has(name);

function unknownService(c: CheckContext, path: string, name: string, what: string): TreeProblem[] {
  if (known(c, name)) return [];
  return [{ keyPath: path, message: `service "${c.service}" ${what} undefined service "${name}"` }];
}

export function checkDependsOn(v: unknown, c: CheckContext, path: string): TreeProblem[] {
  if (!isObj(v)) return [];
  const out: TreeProblem[] = [];
  const implied = impliedDeps(services(c)[c.service]);
  for (const name of Object.keys(v)) {
    if (name === c.service) out.push({ keyPath: childPath(path, name), message: `service "${name}" depends on itself` });
    // An entry added for links/network_mode/volumes_from is reported by that key's own check.
    else if (!implied.has(name)) out.push(...unknownService(c, childPath(path, name), name, 'depends on'));
  }
  return out;
}

function impliedDeps(s: unknown): Set<string> {
  const out = new Set<string>();
  if (!isObj(s)) return out;
  if (Array.isArray(s.links)) for (const l of s.links) out.add(String(l).split(':')[0]!);
  for (const ns of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const ref = s[ns];
    if (typeof ref === 'string' && ref.startsWith('service:')) out.add(ref.slice('service:'.length));
  }
  if (Array.isArray(s.volumes_from)) for (const v of s.volumes_from) out.add(String(v).split(':')[0]!);
  return out;
}

function serviceRef(prefix: string, what: string): Check {
  return (v, c, path) => {
    if (typeof v !== 'string' || !v.startsWith(prefix)) return [];
    return unknownService(c, path, v.slice(prefix.length), what);
  };
}

export function checkVolumesFrom(v: unknown, c: CheckContext, path: string): TreeProblem[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e, i) => {
    const s = String(e);
    if (s.startsWith('container:')) return [];
    const name = s.split(':')[0]!;
    return unknownService(c, childPath(path, i), name, 'mounts volumes from');
  });
}

export function checkLinks(v: unknown, c: CheckContext, path: string): TreeProblem[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e, i) => unknownService(c, childPath(path, i), String(e).split(':')[0]!, 'links to'));
}

export function checkNetworks(v: unknown, c: CheckContext, path: string): TreeProblem[] {
  if (!isObj(v)) return [];
  const nets = section(c, 'networks');
  return Object.keys(v)
    .filter((n) => !(n in nets))
    .map((n) => ({ keyPath: childPath(path, n), message: `service "${c.service}" refers to undefined network "${n}"`, hint: 'declare it under the top-level networks:' }));
}

export function checkVolumes(v: unknown, c: CheckContext, path: string): TreeProblem[] {
  if (!Array.isArray(v)) return [];
  const vols = section(c, 'volumes');
  const out: TreeProblem[] = [];
  v.forEach((m, i) => {
    if (!isObj(m)) return;
    if (m.type === 'volume' && typeof m.source === 'string' && m.source !== '' && !(m.source in vols)) {
      out.push({ keyPath: childPath(path, i), message: `service "${c.service}" refers to undefined volume "${m.source}"`, hint: 'declare it under the top-level volumes:' });
    }
    if (typeof m.target !== 'string' || m.target === '') out.push({ keyPath: childPath(path, i), message: 'volume has no target path' });
    if (m.type === 'bind' && (typeof m.source !== 'string' || m.source === '')) out.push({ keyPath: childPath(path, i), message: 'bind mount has no source path' });
  });
  return out;
}

function fileRefs(kind: 'secrets' | 'configs'): Check {
  return (v, c, path) => {
    if (!Array.isArray(v)) return [];
    const defined = section(c, kind);
    return v.flatMap((r, i) => {
      const src = isObj(r) ? String(r.source) : String(r);
      return src in defined ? [] : [{ keyPath: childPath(path, i), message: `service "${c.service}" refers to undefined ${kind.slice(0, -1)} "${src}"` }];
    });
  };
}

export const checkRules: Record<string, Check> = {
  'services.*.depends_on': checkDependsOn,
  'services.*.network_mode': serviceRef('service:', 'uses the network of'),
  'services.*.ipc': serviceRef('service:', 'shares IPC with'),
  'services.*.pid': serviceRef('service:', 'shares PID namespace with'),
  'services.*.uts': serviceRef('service:', 'shares UTS namespace with'),
  'services.*.cgroup': serviceRef('service:', 'shares the cgroup namespace of'),
  'services.*.volumes_from': checkVolumesFrom,
  'services.*.links': checkLinks,
  'services.*.networks': checkNetworks,
  'services.*.volumes': checkVolumes,
  'services.*.secrets': fileRefs('secrets'),
  'services.*.configs': fileRefs('configs'),
};
const rules = compile(checkRules);

/** compose-go's consistency check: something must say what to run. */
export function checkImageOrBuild(s: Obj, c: CheckContext, path: string): TreeProblem[] {
  if (s.image !== undefined || s.build !== undefined || s.provider !== undefined) return [];
  return [{ keyPath: path, message: `service "${c.service}" has neither an image nor a build context specified` }];
}

export function checkNetworkModeExclusive(s: Obj, c: CheckContext, path: string): TreeProblem[] {
  // `networks: {default: null}` is our own default, only an explicit list conflicts.
  if (s.network_mode === undefined || !isObj(s.networks)) return [];
  const nets = Object.keys(s.networks);
  if (nets.length === 0 || (nets.length === 1 && nets[0] === 'default' && s.networks.default === null)) return [];
  return [{ keyPath: `${path}.network_mode`, message: `service "${c.service}" declares mutually exclusive network_mode and networks` }];
}

/** compose-go checkConsistency: settings that contradict each other within one service. */
export function checkConflicts(s: Obj, c: CheckContext, path: string): TreeProblem[] {
  const out: TreeProblem[] = [];
  const at = (k: string, message: string) => out.push({ keyPath: `${path}.${k}`, message });
  const build = isObj(s.build) ? s.build : undefined;
  if (build && build.dockerfile !== undefined && build.dockerfile_inline !== undefined) {
    at('build', `service "${c.service}" declares mutually exclusive dockerfile and dockerfile_inline`);
  }
  const deploy = isObj(s.deploy) ? s.deploy : {};
  const res = isObj(deploy.resources) ? deploy.resources : {};
  const limits = isObj(res.limits) ? res.limits : {};
  const reservations = isObj(res.reservations) ? res.reservations : {};
  const pairs: [string, unknown, string, unknown][] = [
    ['scale', s.scale, 'deploy.replicas', deploy.replicas],
    ['cpus', s.cpus, 'deploy.resources.limits.cpus', limits.cpus],
    ['mem_limit', s.mem_limit, 'deploy.resources.limits.memory', limits.memory],
    ['mem_reservation', s.mem_reservation, 'deploy.resources.reservations.memory', reservations.memory],
    ['pids_limit', s.pids_limit, 'deploy.resources.limits.pids', limits.pids],
  ];
  for (const [a, x, b, y] of pairs) {
    if (x !== undefined && y !== undefined && x !== y) at(a, `can't set distinct values on "${a}" and "${b}"`);
  }
  for (const [k, v] of [['scale', s.scale], ['deploy.replicas', deploy.replicas]] as const) {
    if (typeof v === 'number' && v < 0) at(k, 'must be greater than or equal to 0');
  }
  const replicas = typeof s.scale === 'number' ? s.scale : typeof deploy.replicas === 'number' ? deploy.replicas : 1;
  if (s.container_name !== undefined && replicas > 1) {
    at('container_name', `can't set container_name and scale ${replicas}: a container name must be unique`);
  }
  if (build && Array.isArray(build.secrets)) {
    const defined = section(c, 'secrets');
    build.secrets.forEach((r, i) => {
      const src = isObj(r) ? String(r.source) : String(r);
      if (!(src in defined)) at(`build.secrets[${i}]`, `service "${c.service}" refers to undefined build secret "${src}"`);
    });
  }
  return out;
}

/** Runs every check over the enabled services, plus the whole-project checks. */
export function runChecks(tree: Obj, disabled: Set<string>): TreeProblem[] {
  const out: TreeProblem[] = [];
  const svcs = isObj(tree.services) ? tree.services : {};
  for (const [name, s] of Object.entries(svcs)) {
    if (!isObj(s)) continue;
    const c: CheckContext = { tree, disabled, service: name };
    const p = `services.${name}`;
    out.push(...checkImageOrBuild(s, c, p), ...checkNetworkModeExclusive(s, c, p), ...checkConflicts(s, c, p));
    for (const [k, v] of Object.entries(s)) {
      const r = lookup(rules, ['services', name, k]);
      if (r) out.push(...r(v, c, `services.${name}.${k}`));
    }
  }
  out.push(...checkContainerNames(svcs));
  return out;
}

export function checkContainerNames(svcs: Obj): TreeProblem[] {
  const seen = new Map<string, string>();
  const out: TreeProblem[] = [];
  for (const [name, s] of Object.entries(svcs)) {
    const cn = isObj(s) ? s.container_name : undefined;
    if (typeof cn !== 'string') continue;
    const other = seen.get(cn);
    if (other) out.push({ keyPath: `services.${name}.container_name`, message: `container name "${cn}" is already used by service "${other}"` });
    else seen.set(cn, name);
  }
  return out;
}
