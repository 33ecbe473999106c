// Variable interpolation with compose's grammar: $VAR ${VAR} ${VAR:-d} ${VAR-d} ${VAR:?e} ${VAR?e}
// ${VAR:+a} ${VAR+a}, nested templates inside defaults, and `$$` for a literal dollar.
// The environment lookup is injected so this stays pure; a missing variable becomes "" and is
// reported through `onMissing` (the caller warns once per name, like compose).
import { Tagged, childPath } from './tree.ts';
import { TscError } from './errors.ts';

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends TscError {
  constructor(message: string) {
    super('INTERPOLATION', message, { exitCode: 15 });
  }
}

export interface InterpolateOptions {
  lookup: Lookup;
  onMissing?: (name: string) => void;
}

const NAME_START = /[_a-zA-Z]/;
/** A variable name at the start of a string. */
export const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Interpolates one string. Throws InterpolationError for a bad template or a `:?`/`?` failure. */
export function interpolateString(s: string, o: InterpolateOptions): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      const next = s.indexOf('$', i);
      const end = next < 0 ? s.length : next;
      out += s.slice(i, end);
      i = end;
      continue;
    }
    const n = s[i + 1];
    if (n === '$') {
      out += '$';
      i += 2;
    } else if (n !== undefined && NAME_START.test(n)) {
      const m = NAME.exec(s.slice(i + 1));
      const name = m![0];
      out += valueOf(name, o);
      i += 1 + name.length;
    } else if (n === '{') {
      const close = matchingBrace(s, i + 2);
      if (close < 0) throw new InterpolationError(`invalid interpolation format "${s}": unclosed "\${"`);
      out += braced(s.slice(i + 2, close), s, o);
      i = close + 1;
    } else {
      // compose-go leaves a "$" that starts no template ("$1", "5$") as it is.
      out += '$';
      i += 1;
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `from`, nested templates and `$$` counted; -1 if none. */
export function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    const ch = s[j];
    if (ch === '$' && s[j + 1] === '$') {
      j++;
    } else if (ch === '$' && s[j + 1] === '{') {
      depth++;
      j++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function valueOf(name: string, o: InterpolateOptions): string {
  const v = o.lookup(name);
  if (v === undefined) {
    o.onMissing?.(name);
    return '';
  }
  return v;
}

function braced(body: string, whole: string, o: InterpolateOptions): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation format "${whole}": "\${${body}}" has no variable name`);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === '') return valueOf(name, o);
  const colon = rest[0] === ':';
  const op = colon ? rest[1] : rest[0];
  const arg = rest.slice(colon ? 2 : 1);
  const v = o.lookup(name);
  const unset = colon ? v === undefined || v === '' : v === undefined;
  switch (op) {
    case '-':
      return unset ? interpolateString(arg, o) : v!;
    case '?':
      if (unset) {
        const msg = interpolateString(arg, o);
        throw new InterpolationError(`required variable ${name} is missing a value${msg ? `: ${msg}` : ''}`);
      }
      return v!;
    case '+':
      return unset ? '' : interpolateString(arg, o);
    default:
      throw new InterpolationError(`invalid interpolation format "${whole}": unknown operator in "\${${body}}"`);
  }
}

export interface TreeProblem {
  keyPath: string;
  message: string;
  hint?: string;
}

/**
 * Interpolates every string value of a tree (keys are left alone, as compose does), IN PLACE: the
 * tree is a freshly parsed one the loader owns, and copying a 1000-service tree only feeds the GC.
 * Returns the tree (or the new string for a string root). Problems are collected, not thrown.
 */
export function interpolateTree(tree: unknown, o: InterpolateOptions, path = '', problems: TreeProblem[] = []): unknown {
  if (typeof tree === 'string') return interpolateOne(tree, o, path, problems);
  if (Array.isArray(tree)) {
    for (let i = 0; i < tree.length; i++) {
      const v = tree[i];
      if (typeof v === 'string') {
        if (v.includes('$')) tree[i] = interpolateOne(v, o, childPath(path, i), problems);
      } else if (v !== null && typeof v === 'object') {
        const r = interpolateTree(v, o, childPath(path, i), problems);
        if (r !== v) tree[i] = r;
      }
    }
    return tree;
  }
  if (tree instanceof Tagged) {
    const inner = typeof tree.value === 'string' ? interpolateOne(tree.value, o, path, problems) : interpolateTree(tree.value, o, path, problems);
    return inner === tree.value ? tree : new Tagged(tree.tag, inner);
  }
  if (tree && typeof tree === 'object') {
    const obj = tree as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (typeof v === 'string') {
        if (v.includes('$')) obj[k] = interpolateOne(v, o, childPath(path, k), problems);
      } else if (v !== null && typeof v === 'object') {
        const r = interpolateTree(v, o, childPath(path, k), problems);
        if (r !== v) obj[k] = r;
      }
    }
    return tree;
  }
  return tree;
}

function interpolateOne(s: string, o: InterpolateOptions, path: string, problems: TreeProblem[]): string {
  try {
    return interpolateString(s, o);
  } catch (e) {
    problems.push({ keyPath: path, message: (e as Error).message });
    return s;
  }
}
