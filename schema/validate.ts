// Validates a raw (interpolated) stack file tree against schema/spec.ts with ajv, and turns ajv's
// errors into StackFileProblems: all of them, each at file:line:col with the key path, one line per
// real problem (the noise of union branches is dropped), and a did-you-mean for misspelled keys.
import type { ErrorObject } from 'ajv';
// Compiled ahead of time by schema/gen-validator.ts (see there why).
import { validate as generated, schema as jsonSchema, defs } from './generated/validate-compose.js';
import { createRequire } from 'node:module';
import type { Origin, StackFileProblem } from './errors.ts';
import { childPath } from './tree.ts';

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
const validator = generated as GeneratedValidator;

export function validateTree(tree: unknown, origins: Map<string, Origin>): StackFileProblem[] {
  if (validator(tree)) return [];
  return describe(validator.errors ?? [], tree, origins);
}

type S = { $ref?: string; anyOf?: S[]; properties?: Record<string, S>; patternProperties?: Record<string, S>; items?: S };

/** The alternatives a schema stands for, with $refs followed and unions flattened. */
function branches(s: S | undefined): S[] {
  if (!s) return [];
  if (s.$ref) return branches(defs[s.$ref] as S | undefined);
  if (s.anyOf) return s.anyOf.flatMap(branches);
  return [s];
}

/** The property names an object at this instance path may have (for did-you-mean). */
function knownKeys(instancePath: string): string[] {
  let cands = branches(jsonSchema as S);
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const next: S[] = [];
    for (const c of cands) {
      if (c.properties?.[seg]) next.push(...branches(c.properties[seg]));
      else if (c.patternProperties) {
        for (const [pat, sub] of Object.entries(c.patternProperties)) if (pat !== '^x-' && new RegExp(pat).test(seg)) next.push(...branches(sub));
      }
      if (c.items && /^\d+$/.test(seg)) next.push(...branches(c.items));
    }
    cands = next;
  }
  return [...new Set(cands.flatMap((c) => Object.keys(c.properties ?? {})))];
}

/** The closest known origin: the path itself or its nearest ancestor. */
export function originOf(origins: { get(k: string): Origin | undefined }, keyPath: string): Origin | undefined {
  let p = keyPath;
  for (;;) {
    const o = origins.get(p);
    if (o) return o;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return origins.get(p.slice(0, Math.max(cut, 0))) ?? undefined;
    p = p.slice(0, cut);
  }
}

function toKeyPath(instancePath: string, data: unknown): string {
  let path = '';
  let cur: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      path = childPath(path, Number(seg));
      cur = cur[Number(seg)];
    } else {
      path = childPath(path, seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

const TYPE_NAMES: Record<string, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', null: 'null', array: 'a list', object: 'a mapping' };

function describe(errors: ErrorObject[], data: unknown, origins: Map<string, Origin>): StackFileProblem[] {
  const problems: StackFileProblem[] = [];
  const seen = new Set<string>();
  const typeErrs = new Map<string, Set<string>>();
  const otherErrs: { path: string; msg: string }[] = [];
  const unknownPaths: string[] = [];
  for (const e of errors) {
    const base = toKeyPath(e.instancePath, data);
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const path = childPath(base, key);
      if (seen.has(path)) continue;
      seen.add(path);
      unknownPaths.push(base);
      const known = knownKeys(e.instancePath);
      // Only a stack file with an error needs the suggestions: loaded then, not at every start.
      const { closest, distance } = createRequire(import.meta.url)('fastest-levenshtein') as typeof import('fastest-levenshtein');
      const guess = known.length ? closest(key, known) : undefined;
      const near = guess !== undefined && distance(key, guess) <= Math.max(2, Math.floor(key.length / 3));
      problems.push({
        message: `unknown key "${key}"`,
        keyPath: path,
        ...(originOf(origins, path) ? { origin: originOf(origins, path)! } : {}),
        ...(near ? { hint: `did you mean "${guess}"?` } : {}),
      });
    } else if (e.keyword === 'type') {
      const t = (e.params as { type: string | string[] }).type;
      const set = typeErrs.get(base) ?? new Set<string>();
      for (const x of Array.isArray(t) ? t : [t]) set.add(x);
      typeErrs.set(base, set);
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ');
      otherErrs.push({ path: base, msg: `must be one of ${allowed}, got ${kindOf(valueAt(data, base))}` });
    } else if (e.keyword === 'required') {
      otherErrs.push({ path: base, msg: `missing required key "${(e.params as { missingProperty: string }).missingProperty}"` });
    } else if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') {
      otherErrs.push({ path: base, msg: e.message ?? e.keyword });
    }
  }
  // Errors from the other branches of a union sit at an ancestor of the real problem, or beside
  // it at the same path (a mapping given where "string or mapping" is allowed): drop them.
  const all = [...typeErrs.keys(), ...otherErrs.map((o) => o.path), ...unknownPaths];
  const under = (p: string) => all.some((q) => q !== p && (p === '' || q.startsWith(p + '.') || q.startsWith(p + '[')));
  const besides = (p: string) => unknownPaths.includes(p) || otherErrs.some((o) => o.path === p);
  for (const [path, types] of typeErrs) {
    if (under(path) || besides(path)) continue;
    const names = [...types].map((t) => TYPE_NAMES[t] ?? t);
    problems.push({
      message: `must be ${names.join(' or ')}, got ${kindOf(valueAt(data, path))}`,
      keyPath: path,
      ...(originOf(origins, path) ? { origin: originOf(origins, path)! } : {}),
    });
  }
  for (const o of otherErrs) {
    if (!o.msg.startsWith('missing required') && under(o.path)) continue;
    const key = `${o.path}\u0000${o.msg}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ message: o.msg, keyPath: o.path, ...(originOf(origins, o.path) ? { origin: originOf(origins, o.path)! } : {}) });
  }
  return problems.sort((a, b) => (a.origin?.line ?? 0) - (b.origin?.line ?? 0) || (a.origin?.col ?? 0) - (b.origin?.col ?? 0));
}

function valueAt(data: unknown, keyPath: string): unknown {
  let cur = data;
  for (const m of keyPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[2] !== undefined ? (cur as unknown[])[Number(m[2])] : (cur as Record<string, unknown>)[m[1]!];
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v}"`;
  return String(v);
}
