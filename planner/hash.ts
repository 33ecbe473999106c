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

/** The hashed values of a service, in key order: [key, value] with exclusions applied. */
function hashedValues(s: Service): [string, unknown][] {
  const out: [string, unknown][] = [];
  const keys = sortKeys(Object.keys(s));
  for (const key of keys) {
    if (EXCLUDED.has(key)) continue;
    let v: unknown = (s as unknown as Record<string, unknown>)[key];
    if (key === 'deploy' && v && typeof v === 'object') {
      const { replicas: _replicas, ...rest } = v as Record<string, unknown>;
      v = rest;
    }
    out.push([key, v]);
  }
  return out;
}

/**
 * Canonical JSON, written as pieces into `parts` (joined once: building it with `+=` made a
 * rope of small strings per value, most of the garbage of a 10k-service plan). Sorted keys;
 * undefined, and mappings with nothing but absent values, emit nothing and return false, so
 * the parent leaves the key out.
 */
function emit(v: unknown, parts: string[]): boolean {
  switch (typeof v) {
    case 'string':
      emitString(v, parts);
      return true;
    case 'number':
      parts.push(Number.isFinite(v) ? String(v) : 'null');
      return true;
    case 'boolean':
      parts.push(v ? 'true' : 'false');
      return true;
    case 'object':
      break;
    default:
      return false; // undefined (functions and symbols do not occur in the model)
  }
  if (v === null) {
    parts.push('null');
    return true;
  }
  if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i) parts.push(',');
      if (!emit(v[i], parts)) parts.push('null');
    }
    parts.push(']');
    return true;
  }
  const o = v as Record<string, unknown>;
  const keys = sortKeys(Object.keys(o));
  const start = parts.length;
  parts.push('{');
  let any = false;
  for (const k of keys) {
    const mark = parts.length;
    if (any) parts.push(',');
    emitString(k, parts);
    parts.push(':');
    if (emit(o[k], parts)) any = true;
    else parts.length = mark;
  }
  if (!any) {
    parts.length = start;
    return false;
  }
  parts.push('}');
  return true;
}

/**
 * Sorts in place. Mappings in a service are small, and Array.prototype.sort allocates a work area
 * of ~800 bytes even for three keys (measured), which made sorting most of a plan's garbage.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * A string as JSON would quote it, without JSON.stringify where nothing needs escaping (the common
 * case). Raw control characters are left as they are: the text only has to be unambiguous, and it
 * is: without `"` or `\` inside, the quotes delimit it.
 */
function emitString(s: string, parts: string[]): void {
  if (s.includes('"') || s.includes('\\')) parts.push(JSON.stringify(s));
  else parts.push('"', s, '"');
}

/** JSON with sorted keys and absent values dropped: equal models give equal text. */
export function canonicalJson(v: unknown): string {
  const parts: string[] = [];
  return emit(v, parts) ? parts.join('') : 'null';
}

/** `v1-<sha256 hex>` over the service's hashed keys and the image digest. */
export function configHash(service: Service, opts: HashOptions = {}): string {
  const parts: string[] = [HASH_VERSION];
  for (const [k, v] of hashedValues(service)) {
    const mark = parts.length;
    parts.push('\n', k, '=');
    if (!emit(v, parts)) parts.length = mark;
  }
  if (opts.imageDigest) parts.push('\n@image_digest=', opts.imageDigest);
  // crypto.hash is the one-shot form: no Hash object per service (this runs once per service per plan).
  return `${HASH_VERSION}-${digest('sha256', parts.join(''), 'hex')}`;
}

/**
 * One short hash per top-level key (and `@image_digest`), so a plan can say WHICH keys changed.
 * Computed on demand (the executor stores it next to the container's configHash); the plan
 * compares the two maps only when the overall hashes differ.
 */
export function configKeyHashes(service: Service, opts: HashOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of hashedValues(service)) {
    const parts: string[] = [];
    if (emit(v, parts)) out[k] = shortHash(parts.join(''));
  }
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
