// Multi-file merge (and extends) rules, as a table keyed by key-path pattern (compose-go
// override/merge.go). Both sides are already in canonical long form, so list-valued keys merge
// by their identity (ports by host_ip:published:target/protocol, volumes by target, …) and
// map-valued keys (environment, labels, depends_on, networks …) merge key by key.
// `!reset` on the overriding side removes the value, `!override` replaces it without merging.
import { Tagged } from '../tree.ts';
import { compile, lookup } from './pattern.ts';
import type { Segments } from './pattern.ts';

type Merger = ((base: unknown, over: unknown, path: Segments) => unknown) & { unique?: true };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tagged);

const overrideValue: Merger = (_b, o) => o;

/** Appends, then keeps one entry per identity; a later entry replaces an earlier one in place. */
function uniqueBy(key: (v: unknown) => string): Merger {
  const m: Merger = (b, o) => {
    if (!Array.isArray(b) || !Array.isArray(o)) return o;
    const out: unknown[] = [];
    const at = new Map<string, number>();
    for (const v of [...b, ...o]) {
      const k = key(v);
      const i = at.get(k);
      if (i === undefined) {
        at.set(k, out.length);
        out.push(v);
      } else {
        out[i] = v;
      }
    }
    return out;
  };
  m.unique = true;
  return m;
}

const byValue = uniqueBy((v) => JSON.stringify(v));
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const mergePorts = uniqueBy((v) => {
  const p = v as Obj;
  return `${str(p.host_ip)}:${str(p.published)}:${str(p.target)}/${str(p.protocol)}`;
});
const byTarget = uniqueBy((v) => str((v as Obj).target));
const mountKey = (dflt: string) => uniqueBy((v) => {
  const m = v as Obj;
  return m.target !== undefined ? str(m.target) : `${dflt}/${str(m.source)}`;
});
const byPath = uniqueBy((v) => str((v as Obj).path));
const bySubnet = uniqueBy((v) => str((v as Obj).subnet) || JSON.stringify(v));

// extra_hosts: per host name the later file's addresses replace the earlier ones.
const mergeLogging: Merger = (b, o) => {
  if (!isObj(b) || !isObj(o)) return o;
  if (b.driver !== undefined && o.driver !== undefined && b.driver !== o.driver) return o;
  const options = isObj(b.options) && isObj(o.options) ? { ...b.options, ...o.options } : (o.options ?? b.options);
  return { ...b, ...o, ...(options !== undefined ? { options } : {}) };
};

export const mergeRules: Record<string, Merger> = {
  'services.*.command': overrideValue,
  'services.*.entrypoint': overrideValue,
  'services.*.healthcheck.test': overrideValue,
  'services.*.ulimits.*': overrideValue,
  'services.*.logging': mergeLogging,
  'services.*.ports': mergePorts,
  'services.*.volumes': byTarget,
  'services.*.devices': byTarget,
  'services.*.secrets': mountKey('/run/secrets'),
  'services.*.configs': mountKey(''),
  'services.*.env_file': byPath,
  'services.*.expose': byValue,
  'services.*.dns': byValue,
  'services.*.dns_opt': byValue,
  'services.*.dns_search': byValue,
  'services.*.cap_add': byValue,
  'services.*.cap_drop': byValue,
  'services.*.tmpfs': byValue,
  'services.*.links': byValue,
  'services.*.external_links': byValue,
  'services.*.profiles': byValue,
  'services.*.security_opt': byValue,
  'services.*.group_add': byValue,
  'services.*.volumes_from': byValue,
  'services.*.networks.*.aliases': byValue,
  'services.*.networks.*.link_local_ips': byValue,
  'services.*.build.tags': byValue,
  'services.*.build.cache_from': byValue,
  'services.*.build.cache_to': byValue,
  'services.*.build.platforms': byValue,
  'services.*.build.secrets': mountKey('/run/secrets'),
  'networks.*.ipam.config': bySubnet,
};
const rules = compile(mergeRules);

/** Merges `over` into `base` (neither is mutated). Returns undefined when `!reset` removes the value. */
export function mergeValue(base: unknown, over: unknown, path: Segments = []): unknown {
  if (over instanceof Tagged) return over.tag === 'reset' ? undefined : over.value;
  if (base instanceof Tagged) base = base.tag === 'reset' ? undefined : base.value;
  if (base === undefined) return over;
  if (over === undefined) return base;
  const special = lookup(rules, path);
  if (special) return special(base, over, path);
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const m = mergeValue(out[k], v, [...path, k]);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  // A `null` in a later file (e.g. `networks: {front: null}`) keeps what the earlier one said.
  if (over === null && isObj(base)) return base;
  return over;
}

/** Removes the merge markers left in a tree: `!reset` values go, `!override` values stay as written. */
export function stripTags(v: unknown): unknown {
  if (v instanceof Tagged) return v.tag === 'reset' ? undefined : stripTags(v.value);
  if (Array.isArray(v)) return v.map(stripTags).filter((x) => x !== undefined);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const s = stripTags(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v;
}

/**
 * One entry per identity inside a single tree too (compose-go EnforceUnicity): `ports: ["80:80",
 * "80:80"]` in one file is one port. Uses the identities of the merge table above.
 */
export function enforceUnicity(tree: Record<string, unknown>): void {
  const services = tree.services;
  if (!isObj(services)) return;
  for (const [name, s] of Object.entries(services)) {
    if (!isObj(s)) continue;
    for (const [k, v] of Object.entries(s)) {
      if (!Array.isArray(v)) continue;
      const r = lookup(rules, ['services', name, k]);
      if (r?.unique) s[k] = r([], v, ['services', name, k]);
    }
  }
}
