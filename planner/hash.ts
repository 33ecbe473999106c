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
//
// The canonical text is written as UTF-8 straight into one reusable byte buffer and hashed from
// there: building it as strings (pieces joined, or `+=`) cost more than everything else a plan does
// per service. The bytes are exactly those of the v1 text (test/unit/planner/hash-stable.test.ts
// pins them), so hashes recorded by earlier versions still match.
// sha256Hex: node:crypto, or a pure-JS sha256 in the supervisor (planner/sha256.ts says why).
import { sha256Hex } from './sha256.ts';
import type { Project, Service } from '../schema/model.ts';
import { TscError } from '../schema/errors.ts';

export const HASH_VERSION = 'v1';

const EXCLUDED = new Set(['build', 'pull_policy', 'scale', 'depends_on', 'profiles', 'develop', 'extensions']);

export interface HashOptions {
  /** Manifest digest of the image the container runs (`sha256:…`), when known. */
  imageDigest?: string;
}

// The text being hashed: buf[0, len). Each entry point starts it at len = 0 and finishes with it
// before returning (all synchronous, nothing re-enters).
let buf = new Uint8Array(4096);
let len = 0;
const utf8 = new TextEncoder();
const BIG = 1 << 20;

function reserve(n: number): void {
  if (len + n <= buf.length) return;
  const bigger = new Uint8Array(Math.max(buf.length * 2, len + n));
  bigger.set(buf.subarray(0, len));
  buf = bigger;
}

/** One byte of ASCII punctuation. */
function writeByte(c: number): void {
  reserve(1);
  buf[len++] = c;
}

/**
 * `s` as UTF-8, as Node would encode the string (a lone surrogate becomes U+FFFD). ASCII, nearly all
 * of a stack file, is copied by code unit; the rest of a string from its first non-ASCII unit goes
 * through TextEncoder.
 */
function writeText(s: string): void {
  reserve(s.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 code unit
  const b = buf;
  let o = len;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      o += utf8.encodeInto(i ? s.slice(i) : s, b.subarray(o)).written;
      break;
    }
    b[o++] = c;
  }
  len = o;
}

/**
 * A string as JSON would quote it, without JSON.stringify where nothing needs escaping (the common
 * case). Raw control characters are left as they are: the text only has to be unambiguous, and it
 * is: without `"` or `\` inside, the quotes delimit it. One pass: copied while checked.
 */
function writeString(s: string): void {
  reserve(s.length * 3 + 2);
  const b = buf;
  let o = len;
  b[o++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) return writeText(JSON.stringify(s));
    if (c >= 0x80) {
      if (s.includes('"', i) || s.includes('\\', i)) return writeText(JSON.stringify(s));
      o += utf8.encodeInto(s.slice(i), b.subarray(o)).written;
      break;
    }
    b[o++] = c;
  }
  b[o++] = 0x22;
  len = o;
}

/**
 * Canonical JSON of `v`: sorted keys; undefined, and mappings with nothing but absent values, write
 * nothing and return false, so the parent leaves the key out (an absent array item is `null`).
 */
function emit(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      writeString(v);
      return true;
    case 'number':
      writeText(Number.isFinite(v) ? String(v) : 'null');
      return true;
    case 'boolean':
      writeText(v ? 'true' : 'false');
      return true;
    case 'object':
      break;
    default:
      return false; // undefined (functions and symbols do not occur in the model)
  }
  if (v === null) {
    writeText('null');
    return true;
  }
  if (Array.isArray(v)) {
    writeByte(0x5b); // [
    for (let i = 0; i < v.length; i++) {
      if (i) writeByte(0x2c); // ,
      if (!emit(v[i])) writeText('null');
    }
    writeByte(0x5d); // ]
    return true;
  }
  const o = v as Record<string, unknown>;
  const start = len;
  writeByte(0x7b); // {
  let any = false;
  for (const k of sortKeys(Object.keys(o))) {
    const mark = len;
    if (any) writeByte(0x2c);
    writeString(k);
    writeByte(0x3a); // :
    if (emit(o[k])) any = true;
    else len = mark;
  }
  if (!any) {
    len = start;
    return false;
  }
  writeByte(0x7d); // }
  return true;
}

/**
 * Sorts in place. Mappings in a service are small, and Array.prototype.sort allocates a work area
 * of ~800 bytes even for three keys (measured).
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

/** A top-level key's value as hashed: undefined for excluded keys; deploy without replicas. */
function hashedValue(s: Service, key: string): unknown {
  if (EXCLUDED.has(key)) return undefined;
  const v = (s as unknown as Record<string, unknown>)[key];
  if (key === 'deploy' && v && typeof v === 'object') {
    const { replicas: _replicas, ...rest } = v as Record<string, unknown>;
    return rest;
  }
  return v;
}

/** sha256 (hex) of the text written, then drops a buffer grown for one huge value. */
function digestText(): string {
  const out = sha256Hex(buf.subarray(0, len));
  if (buf.length > BIG) buf = new Uint8Array(4096);
  return out;
}

/** JSON with sorted keys and absent values dropped: equal models give equal text. */
export function canonicalJson(v: unknown): string {
  len = 0;
  if (!emit(v)) return 'null';
  return new TextDecoder().decode(buf.subarray(0, len));
}

/** `v1-<sha256 hex>` over the text `v1` + `\n<key>=<canonical JSON>` per hashed key (sorted) + the image digest. */
export function configHash(service: Service, opts?: HashOptions): string {
  len = 0;
  writeText(HASH_VERSION);
  for (const key of sortKeys(Object.keys(service))) {
    const mark = len;
    writeByte(0x0a); // \n
    writeText(key);
    writeByte(0x3d); // =
    if (!emit(hashedValue(service, key))) len = mark;
  }
  if (opts?.imageDigest) {
    writeText('\n@image_digest=');
    writeText(opts.imageDigest);
  }
  return `${HASH_VERSION}-${digestText()}`;
}

/**
 * One short hash per top-level key (and `@image_digest`), so a plan can say WHICH keys changed.
 * Computed on demand (the executor stores it next to the container's configHash); the plan
 * compares the two maps only when the overall hashes differ.
 */
export function configKeyHashes(service: Service, opts?: HashOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of sortKeys(Object.keys(service))) {
    len = 0;
    if (emit(hashedValue(service, key))) out[key] = digestText().slice(0, 16);
  }
  if (opts?.imageDigest) out['@image_digest'] = shortHash(opts.imageDigest);
  return out;
}

function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

/** Keys whose hashes differ between two `configKeyHashes` maps, sorted; `image digest` for the digest. */
export function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(after)) if (before[k] !== after[k]) out.push(k);
  for (const k of Object.keys(before)) if (!Object.hasOwn(after, k)) out.push(k);
  return out.map((k) => (k === '@image_digest' ? 'image digest' : k)).sort();
}

export function hashVersion(hash: string): string {
  const dash = hash.indexOf('-');
  return dash > 0 ? hash.slice(0, dash) : '';
}

/** The contract's entry point: the hash of one service of a project. */
export function serviceConfigHash(project: Project, service: string, opts?: HashOptions): string {
  const s = Object.hasOwn(project.services, service) ? project.services[service] : undefined;
  if (!s) throw new TscError('NO_SUCH_SERVICE', `No such service: "${service}"`);
  return configHash(s, opts);
}
