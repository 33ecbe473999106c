// Short syntax → long syntax, as a table keyed by key-path pattern (compose-go transform/canonical.go).
// Runs per file, after interpolation and validation, before files merge: both sides of a merge are
// then in one shape. Relative host paths are made absolute here against the file's base directory
// (the project directory for -f files, the file's own directory for extends/include), durations
// become milliseconds and sizes bytes. A rule returns the new value or records a problem.
import { isAbsolute, posix, resolve } from 'node:path';
import { Tagged, childPath } from '../tree.ts';
import { compile, lookup } from './pattern.ts';
import { Bad, shellSplit, show, toBool, toInt, toMapping, toNumber, toStr } from './values.ts';
import { parsePort, splitVolume, isPathLike } from './shorthand.ts';
import { parseBytes, parseDuration } from '../units.ts';
import type { TreeProblem } from '../interpolate.ts';

export interface CanonicalContext {
  /** Directory relative host paths resolve against. */
  baseDir: string;
  /** For `~` in host paths. */
  home: string;
  problems: TreeProblem[];
}

type Obj = Record<string, unknown>;
type Rule = (v: unknown, c: CanonicalContext, path: string) => unknown;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tagged);

function check<T>(v: T | Bad, c: CanonicalContext, path: string, fallback: unknown): T | unknown {
  if (v instanceof Bad) {
    c.problems.push({ keyPath: path, message: v.message });
    return fallback;
  }
  return v;
}

export function hostPath(p: string, c: CanonicalContext): string {
  if (p === '~' || p.startsWith('~/')) return resolve(c.home, p.slice(2));
  return isAbsolute(p) ? p : resolve(c.baseDir, p);
}

const bool: Rule = (v, c, p) => check(toBool(v), c, p, v);
const int: Rule = (v, c, p) => check(toInt(v), c, p, v);
const num: Rule = (v, c, p) => check(toNumber(v), c, p, v);
const str: Rule = (v) => toStr(v);
const duration: Rule = (v, c, p) => {
  const d = parseDuration(v);
  if (d === undefined) c.problems.push({ keyPath: p, message: `invalid duration ${show(v)} (expected e.g. "30s", "1m30s", "500ms")` });
  return d ?? v;
};
const bytes: Rule = (v, c, p) => {
  const b = parseBytes(v);
  if (b === undefined) c.problems.push({ keyPath: p, message: `invalid size ${show(v)} (expected e.g. "512m", "1g", 1048576)` });
  return b ?? v;
};
const strList: Rule = (v) => (Array.isArray(v) ? v.map(toStr) : [toStr(v)]);
const envMap: Rule = (v) => toMapping(v, null);
const labelMap: Rule = (v) => toMapping(v, '');
// `command: null` means "not set" (compose-go decodes it to nil): the image's default applies.
const command: Rule = (v, c, p) => {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(toStr);
  return check(shellSplit(toStr(v)), c, p, v);
};
const path_: Rule = (v, c) => hostPath(toStr(v), c);

/** Applies the rule table to the children of an object, by key. */
function fields(table: Record<string, Rule>): Rule {
  return (v, c, p) => {
    if (!isObj(v)) return v;
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const r = table[k];
      out[k] = r ? apply(r, x, c, childPath(p, k)) : x;
    }
    return out;
  };
}
function each(r: Rule): Rule {
  return (v, c, p) => (Array.isArray(v) ? v.map((x, i) => apply(r, x, c, childPath(p, i))) : v);
}
function values(r: Rule): Rule {
  return (v, c, p) => {
    if (!isObj(v)) return v;
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = apply(r, x, c, childPath(p, k));
    return out;
  };
}
function apply(r: Rule, v: unknown, c: CanonicalContext, p: string): unknown {
  if (v instanceof Tagged) return v.tag === 'reset' ? v : new Tagged('override', apply(r, v.value, c, p));
  return r(v, c, p);
}

// --- services.*.ports -------------------------------------------------------------------------
const port: Rule = (v, c, p) => {
  if (typeof v === 'number' || typeof v === 'string') {
    const r = parsePort(String(v));
    if (r instanceof Bad) {
      c.problems.push({ keyPath: p, message: r.message });
      return [];
    }
    return r;
  }
  if (!isObj(v)) return [v];
  const out: Obj = { ...v };
  if (out.mode === undefined) out.mode = 'ingress';
  const t = toInt(v.target);
  if (t instanceof Bad || t < 1 || t > 65535) c.problems.push({ keyPath: childPath(p, 'target'), message: `invalid target port ${show(v.target)}` });
  else out.target = t;
  if (v.published !== undefined && v.published !== null) {
    out.published = toStr(v.published);
    if (out.published === '') delete out.published;
    else if (!/^\d+(-\d+)?$/.test(out.published as string)) c.problems.push({ keyPath: childPath(p, 'published'), message: `invalid published port ${show(v.published)}` });
  }
  if (out.protocol === undefined) out.protocol = 'tcp';
  return [out];
};
const ports: Rule = (v, c, p) => (Array.isArray(v) ? v.flatMap((x, i) => port(x, c, childPath(p, i)) as unknown[]) : v);

// --- services.*.volumes -----------------------------------------------------------------------
const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const CONSISTENCY = new Set(['cached', 'delegated', 'consistent']);
const volume: Rule = (v, c, p) => {
  if (typeof v === 'string') {
    const s = splitVolume(v);
    if (s instanceof Bad) {
      c.problems.push({ keyPath: p, message: s.message });
      return v;
    }
    const bind = s.source !== undefined && isPathLike(s.source);
    const out: Obj = { type: bind ? 'bind' : 'volume' };
    if (s.source !== undefined && s.source !== '') out.source = bind ? hostPath(s.source, c) : s.source;
    out.target = cleanTarget(s.target);
    const bindOpts: Obj = {};
    const volOpts: Obj = {};
    for (const m of s.mode) {
      if (m === 'ro') out.read_only = true;
      else if (m === 'rw') continue;
      else if (m === 'z' || m === 'Z') bindOpts.selinux = m;
      else if (m === 'nocopy') volOpts.nocopy = true;
      else if (PROPAGATION.has(m)) bindOpts.propagation = m;
      else if (CONSISTENCY.has(m)) out.consistency = m;
      else c.problems.push({ keyPath: p, message: `invalid volume mode "${m}" in "${v}"` });
    }
    if (bind) out.bind = { ...bindOpts, create_host_path: true };
    else out.volume = volOpts;
    return out;
  }
  if (!isObj(v)) return v;
  const out: Obj = { ...v };
  if (typeof v.target === 'string') out.target = cleanTarget(v.target);
  if (v.type === 'bind' && typeof v.source === 'string') out.source = hostPath(v.source, c);
  if (v.read_only !== undefined) out.read_only = bool(v.read_only, c, childPath(p, 'read_only'));
  if (isObj(v.bind)) {
    const b = fields({ create_host_path: bool })(v.bind, c, childPath(p, 'bind')) as Obj;
    // compose-go defaultVolumeBind: a bind block without create_host_path creates the host path.
    if (b.create_host_path === undefined) b.create_host_path = true;
    out.bind = b;
  }
  if (isObj(v.volume)) out.volume = fields({ nocopy: bool, labels: labelMap })(v.volume, c, childPath(p, 'volume'));
  if (isObj(v.tmpfs)) out.tmpfs = fields({ size: bytes, mode: fileMode })(v.tmpfs, c, childPath(p, 'tmpfs'));
  return out;
};

/** Go's path.Clean, as compose applies to mount targets: `/data/` → `/data`, `/a/../b` → `/b`. */
function cleanTarget(t: string): string {
  if (t === '') return t;
  const n = posix.normalize(t);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

// --- small ones -------------------------------------------------------------------------------
function fileMode(v: unknown, c: CanonicalContext, p: string): unknown {
  if (typeof v === 'number') return v;
  const s = toStr(v);
  if (/^0[0-7]*$/.test(s)) return parseInt(s, 8);
  if (/^\d+$/.test(s)) return Number(s);
  c.problems.push({ keyPath: p, message: `invalid file mode ${show(v)}` });
  return v;
}
const fileRef: Rule = (v, c, p) => {
  if (typeof v === 'string') return { source: v };
  return fields({ uid: str, gid: str, mode: fileMode })(v, c, p);
};
const dependsOn: Rule = (v) => {
  if (Array.isArray(v)) return Object.fromEntries(v.map((s) => [toStr(s), { condition: 'service_started', required: true }]));
  return v;
};
const dependsOnEntry: Rule = (v, c, p) => {
  if (!isObj(v)) return v;
  const out: Obj = { condition: v.condition ?? 'service_started' };
  if (v.restart !== undefined) out.restart = bool(v.restart, c, childPath(p, 'restart'));
  out.required = v.required === undefined ? true : bool(v.required, c, childPath(p, 'required'));
  for (const [k, x] of Object.entries(v)) if (k.startsWith('x-')) out[k] = x;
  return out;
};
const envFile: Rule = (v, c) => {
  const list = Array.isArray(v) ? v : [v];
  return list.map((e) => {
    if (isObj(e)) {
      const out: Obj = { path: hostPath(toStr(e.path), c), required: e.required === undefined ? true : toBool(e.required) === true };
      if (e.format !== undefined) out.format = e.format;
      return out;
    }
    return { path: hostPath(toStr(e), c), required: true };
  });
};
const extraHosts: Rule = (v) => {
  const out: Record<string, string[]> = {};
  const add = (h: string, ip: string) => (out[h] ??= []).push(ip);
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = toStr(e);
      const eq = s.indexOf('=');
      const sep = eq >= 0 ? eq : s.indexOf(':');
      if (sep < 0) add(s, '');
      else add(s.slice(0, sep), unbracket(s.slice(sep + 1)));
    }
  } else if (isObj(v)) {
    for (const [h, ip] of Object.entries(v)) for (const x of Array.isArray(ip) ? ip : [ip]) add(h, unbracket(toStr(x)));
  }
  return out;
};
const unbracket = (s: string) => (s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s);
const device: Rule = (v) => {
  if (typeof v !== 'string') return v;
  const [source = '', target, permissions] = v.split(':');
  return { source, target: target ?? source, permissions: permissions ?? 'rwm' };
};
const ulimit: Rule = (v, c, p) => {
  if (isObj(v)) return { soft: int(v.soft, c, childPath(p, 'soft')), hard: int(v.hard, c, childPath(p, 'hard')) };
  const n = int(v, c, p);
  return { soft: n, hard: n };
};
const networksOfService: Rule = (v, c, p) => {
  const m: Obj = Array.isArray(v) ? Object.fromEntries(v.map((n) => [toStr(n), null])) : isObj(v) ? v : {};
  return values((x, c2, p2) => (x === null ? null : fields({
    aliases: strList, link_local_ips: strList, priority: int, gw_priority: int, driver_opts: labelMap,
  })(x, c2, p2)))(m, c, p);
};
const build: Rule = (v, c, p) => {
  if (typeof v === 'string') return { context: buildContext(v, c) };
  if (!isObj(v)) return v;
  const out = fields({
    args: envMap, labels: labelMap, extra_hosts: extraHosts, shm_size: bytes, secrets: each(fileRef),
    no_cache: bool, pull: bool, privileged: bool, tags: strList, cache_from: strList, cache_to: strList, platforms: strList,
    additional_contexts: labelMap, ssh: sshList, ulimits: values(ulimit),
  })(v, c, p) as Obj;
  out.context = buildContext(v.context === undefined ? '.' : toStr(v.context), c);
  // compose-go resolves directory contexts against the project dir; `service:NAME` and
  // `docker-image://REF` (and remote URLs) stay as written.
  if (isObj(out.additional_contexts)) {
    out.additional_contexts = Object.fromEntries(Object.entries(out.additional_contexts).map(([k, x]) => {
      const s = toStr(x);
      return [k, s.startsWith('service:') || s.includes('://') ? s : buildContext(s, c)];
    }));
  }
  return out;
};
function buildContext(ctx: string, c: CanonicalContext): string {
  // Remote contexts (git, http) stay as written.
  if (/^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(ctx) || ctx.includes('.git#')) return ctx;
  return hostPath(ctx, c);
}
const sshList: Rule = (v) => {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(toStr);
  if (isObj(v)) return Object.entries(v).map(([k, x]) => (x === null ? k : `${k}=${toStr(x)}`));
  return v;
};
const healthcheck: Rule = (v, c, p) => {
  if (!isObj(v)) return v;
  const out = fields({
    interval: duration, timeout: duration, start_period: duration, start_interval: duration, retries: int, disable: bool,
  })(v, c, p) as Obj;
  if (typeof v.test === 'string') out.test = ['CMD-SHELL', v.test];
  else if (Array.isArray(v.test)) out.test = v.test.map(toStr);
  return out;
};
const resources = fields({ cpus: num, memory: bytes, pids: int });
const deploy: Rule = fields({
  replicas: int,
  labels: labelMap,
  resources: fields({ limits: resources, reservations: resources }),
  restart_policy: fields({ delay: duration, window: duration, max_attempts: int }),
});
const throttle = each(fields({ rate: bytes }));
const blkio = fields({
  weight: int, weight_device: each(fields({ weight: int })), device_read_bps: throttle, device_write_bps: throttle,
  device_read_iops: each(fields({ rate: int })), device_write_iops: each(fields({ rate: int })),
});
const watch = each((v, c, p) => {
  if (!isObj(v)) return v;
  const out = fields({
    ignore: strList, include: strList, initial_sync: bool,
    exec: fields({ command, privileged: bool, environment: labelMap }),
  })(v, c, p) as Obj;
  if (v.path !== undefined) out.path = hostPath(toStr(v.path), c);
  return out;
});
const extendsRef: Rule = (v, c) => {
  if (typeof v === 'string') return { service: v };
  if (isObj(v) && typeof v.file === 'string') return { ...v, file: hostPath(v.file, c) };
  return v;
};
const external: Rule = (v, c, p) => (isObj(v) ? true : bool(v, c, p));
const topLevel = (extra: Record<string, Rule>): Rule => (v, c, p) => {
  if (v === null) return {};
  if (!isObj(v)) return v;
  const out = fields({ labels: labelMap, driver_opts: labelMap, ...extra })(v, c, p) as Obj;
  // `external: {name: x}` is the legacy spelling of `external: true` + `name: x`.
  if (isObj(v.external) && typeof v.external.name === 'string' && v.name === undefined) out.name = v.external.name;
  return out;
};

export const canonicalRules: Record<string, Rule> = {
  'services.*': (v) => (v === null ? {} : v),
  'services.*.build': build,
  'services.*.command': command,
  'services.*.entrypoint': command,
  'services.*.environment': envMap,
  'services.*.env_file': envFile,
  'services.*.label_file': (v, c) => (Array.isArray(v) ? v : [v]).map((x) => hostPath(toStr(x), c)),
  'services.*.labels': labelMap,
  'services.*.annotations': labelMap,
  'services.*.sysctls': labelMap,
  'services.*.depends_on': (v, c, p) => values(dependsOnEntry)(dependsOn(v, c, p), c, p),
  'services.*.ports': ports,
  'services.*.expose': strList,
  'services.*.volumes': each(volume),
  'services.*.tmpfs': strList,
  'services.*.dns': strList,
  'services.*.dns_search': strList,
  'services.*.devices': each(device),
  'services.*.extra_hosts': extraHosts,
  'services.*.healthcheck': healthcheck,
  'services.*.stop_grace_period': duration,
  'services.*.ulimits': values(ulimit),
  'services.*.mem_limit': bytes,
  'services.*.memswap_limit': bytes,
  'services.*.mem_reservation': bytes,
  'services.*.shm_size': bytes,
  'services.*.mem_swappiness': int,
  'services.*.cpus': num,
  'services.*.cpu_shares': int,
  'services.*.cpu_quota': int,
  'services.*.cpu_period': int,
  'services.*.cpu_rt_runtime': int,
  'services.*.cpu_rt_period': int,
  'services.*.cpu_count': int,
  'services.*.cpu_percent': num,
  'services.*.pids_limit': int,
  'services.*.oom_score_adj': int,
  'services.*.scale': int,
  'services.*.init': bool,
  'services.*.privileged': bool,
  'services.*.read_only': bool,
  'services.*.stdin_open': bool,
  'services.*.tty': bool,
  'services.*.oom_kill_disable': bool,
  'services.*.attach': bool,
  'services.*.use_api_socket': bool,
  'services.*.group_add': strList,
  'services.*.networks': networksOfService,
  'services.*.secrets': each(fileRef),
  'services.*.configs': each(fileRef),
  'services.*.deploy': (v, c, p) => (v === null ? {} : deploy(v, c, p)),
  'services.*.logging': fields({ options: labelMap }),
  'services.*.blkio_config': blkio,
  'services.*.develop': fields({ watch }),
  'services.*.extends': extendsRef,
  'networks.*': topLevel({ internal: bool, attachable: bool, enable_ipv6: bool, enable_ipv4: bool, external }),
  'volumes.*': topLevel({ external }),
  'secrets.*': topLevel({ external, file: path_ }),
  'configs.*': topLevel({ external, file: path_ }),
};
const rules = compile(canonicalRules);

/** Canonicalizes a whole stack-file tree (returns a new tree). */
export function canonicalize(tree: Obj, c: CanonicalContext): Obj {
  return walk(tree, [], '', c) as Obj;
}

function walk(v: unknown, segs: string[], path: string, c: CanonicalContext): unknown {
  const r = segs.length ? lookup(rules, segs) : undefined;
  if (r) {
    const out = apply(r, v, c, path);
    // services.* also descends into its keys after its own rule.
    if (segs.length === 2 && segs[0] === 'services') return descend(out, segs, path, c);
    return out;
  }
  if (segs.length >= 2) return v; // nothing deeper than <section>.<name>.<key> without a rule
  return descend(v, segs, path, c);
}

function descend(v: unknown, segs: string[], path: string, c: CanonicalContext): unknown {
  if (v instanceof Tagged) return v.tag === 'reset' ? v : new Tagged('override', descend(v.value, segs, path, c));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('x-') && segs.length !== 1) {
      out[k] = x;
      continue;
    }
    const w = walk(x, [...segs, k], childPath(path, k), c);
    if (w !== undefined) out[k] = w;
  }
  return out;
}
