// The config hash: what decides whether `up` keeps a container or recreates it.
//
// It covers the normalized model of the service only (never the YAML text, so comments,
// key order, short vs long syntax and anchors do not matter) plus the image digest when the
// caller knows it. It leaves out what does not change the container (as docker compose does,
// so `up` after editing them does not recreate anything):
//   build        how the image is made, not what runs (a rebuilt image changes the digest instead)
//   pull_policy  when to fetch the image
//   scale, deploy.replicas   how many containers, handled by scaling
//   depends_on   start order
//   profiles     whether the service is enabled
//   develop      watch rules act on the running container
//   extensions   `x-*` keys are for tools, not for the container
// The hash is versioned (`v1-…`): a future change to what is hashed bumps the version, so a
// mismatch can be told apart from a real config change.
//
// Values are serialized with sorted keys; undefined and empty mappings (`environment: {}`,
// `labels: {}`) count as absent, so a normalization that starts writing an empty default does
// not recreate every container.
import { hash as digest } from 'node:crypto';
import type { Project, Service } from '../schema/model.ts';
import { TscError } from '../schema/errors.ts';

export const HASH_VERSION = 'v1';

const EXCLUDED = new Set(['build', 'pull_policy', 'scale', 'depends_on', 'profiles', 'develop', 'extensions']);

export interface HashOptions {
  /** Manifest digest of the image the container runs (`sha256:…`), when known. */
  imageDigest?: string;
}

/** The hashed view of a service: top-level key → canonical JSON of its value, exclusions applied. */
function hashedEntries(s: Service): [string, string][] {
  const out: [string, string][] = [];
  const keys = Object.keys(s).sort();
  for (const key of keys) {
    if (EXCLUDED.has(key)) continue;
    let v: unknown = (s as unknown as Record<string, unknown>)[key];
    if (key === 'deploy' && v && typeof v === 'object') {
      const { replicas: _replicas, ...rest } = v as Record<string, unknown>;
      v = rest;
    }
    const text = canon(v);
    if (text !== undefined) out.push([key, text]);
  }
  return out;
}

/**
 * Canonical JSON in one pass: sorted keys; undefined and mappings with nothing but absent values
 * yield `undefined` (absent), so the parent leaves the key out.
 */
function canon(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += `${i ? ',' : ''}${canon(v[i]) ?? 'null'}`;
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) {
    const c = canon(o[k]);
    if (c === undefined) continue;
    out += `${out ? ',' : ''}${str(k)}:${c}`;
  }
  return out ? `{${out}}` : undefined;
}

/**
 * A string as JSON would quote it, without JSON.stringify where nothing needs escaping (the common
 * case, and the hot path of planning). Raw control characters are left as they are: the text only
 * has to be unambiguous, and it is: without `"` or `\` inside, the quotes delimit it.
 */
function str(s: string): string {
  return s.includes('"') || s.includes('\\') ? JSON.stringify(s) : `"${s}"`;
}

/** JSON with sorted keys and absent values dropped: equal models give equal text. */
export function canonicalJson(v: unknown): string {
  return canon(v) ?? 'null';
}

/** `v1-<sha256 hex>` over the service's hashed keys and the image digest. */
export function configHash(service: Service, opts: HashOptions = {}): string {
  let text = HASH_VERSION;
  for (const [k, v] of hashedEntries(service)) text += `\n${k}=${v}`;
  if (opts.imageDigest) text += `\n@image_digest=${opts.imageDigest}`;
  // crypto.hash is the one-shot form: no Hash object per service (this runs once per service per plan).
  return `${HASH_VERSION}-${digest('sha256', text, 'hex')}`;
}

/**
 * One short hash per top-level key (and `@image_digest`), so a plan can say WHICH keys changed.
 * Computed on demand (the executor stores it next to the container's configHash); the plan
 * compares the two maps only when the overall hashes differ.
 */
export function configKeyHashes(service: Service, opts: HashOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of hashedEntries(service)) out[k] = shortHash(v);
  if (opts.imageDigest) out['@image_digest'] = shortHash(opts.imageDigest);
  return out;
}

function shortHash(text: string): string {
  return digest('sha256', text, 'hex').slice(0, 16);
}

/** Keys whose hashes differ between two `configKeyHashes` maps, sorted; `image digest` for the digest. */
export function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => (k === '@image_digest' ? 'image digest' : k)).sort();
}

export function hashVersion(hash: string): string {
  const dash = hash.indexOf('-');
  return dash > 0 ? hash.slice(0, dash) : '';
}

/** The contract's entry point: the hash of one service of a project. */
export function serviceConfigHash(project: Project, service: string, opts: HashOptions = {}): string {
  const s = Object.hasOwn(project.services, service) ? project.services[service] : undefined;
  if (!s) throw new TscError('NO_SUCH_SERVICE', `No such service: "${service}"`);
  return configHash(s, opts);
}
