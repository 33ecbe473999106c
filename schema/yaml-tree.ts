// Stack file text → a plain tree (objects, arrays, scalars) plus a key-path → origin map.
//
// We walk the `yaml` AST ourselves instead of calling doc.toJS() because we need the
// position of every key for error messages (compose-go loses it), and because we resolve
// anchors, aliases and `<<` merge keys in one pass: `yaml`'s Alias.resolve() searches the
// whole document for each alias, which is quadratic on a 1000-service file.
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, isPair } from 'yaml';
import type { Node as YNode } from 'yaml';
import type { Origin, StackFileProblem } from './errors.ts';
import { OriginMap } from './origins.ts';

/** `!reset` / `!override` from a stack file: tells the multi-file merge what to do with this value. */
export class Tagged {
  readonly tag: 'reset' | 'override';
  readonly value: unknown;
  constructor(tag: 'reset' | 'override', value: unknown) {
    this.tag = tag;
    this.value = value;
  }
}

export type Tree = Record<string, unknown>;

export interface ParsedFile {
  file: string;
  tree: Tree;
  origins: OriginMap;
  /** Whether any `!reset` / `!override` appears (lets later stages skip looking for them). */
  tagged: boolean;
}

/** Joins a key path the way errors print it: `services.web.ports[1]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

export function parseYaml(text: string, file: string): { parsed?: ParsedFile; problems: StackFileProblem[] } {
  const lc = new LineCounter();
  // uniqueKeys is checked below with a Set: yaml's own check is quadratic in the number of keys
  // (a 1000-service `services:` map costs ~half a million comparisons).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, keepSourceTokens: false, uniqueKeys: false });
  const at = (offset: number): Origin => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({ message: firstLine(e.message), keyPath: '', origin: at(e.pos[0]) })),
    };
  }
  const origins = new OriginMap(file, (offset) => lc.linePos(offset));
  const problems: StackFileProblem[] = [];
  const anchors = new Map<string, YNode>();
  let tagged = false;
  const walk = (node: unknown, path: string): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        problems.push({ message: `unknown anchor "${node.source}"`, keyPath: path, origin: at(node.range?.[0] ?? 0) });
        return null;
      }
      return walk(target, path);
    }
    const n = node as YNode;
    if (n.anchor) anchors.set(n.anchor, n);
    const value = walkInner(n, path);
    const tag = n.tag;
    if (tag === '!reset' || tag === '!override') {
      tagged = true;
      return new Tagged(tag === '!reset' ? 'reset' : 'override', value);
    }
    return value;
  };
  const walkInner = (n: YNode, path: string): unknown => {
    if (isScalar(n)) return scalarValue(n.value, (n as { source?: string }).source, n.type);
    if (isSeq(n)) {
      const out: unknown[] = [];
      n.items.forEach((item, i) => {
        const p = childPath(path, i);
        const r = (item as YNode | null)?.range;
        if (r) origins.addOffset(p, r[0]);
        out.push(walk(item, p));
      });
      return out;
    }
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      const merged: Record<string, unknown>[] = [];
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as YNode | null;
        const keyText = isScalar(k) ? String(k.value) : k === null ? '' : String(k);
        if (isScalar(k) && keyText === '<<' && k.type === 'PLAIN') {
          // YAML merge key: explicit keys win, then earlier sources over later ones.
          const srcs = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of srcs) {
            const v = walk(s, path);
            if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tagged)) merged.push(v as Record<string, unknown>);
            else problems.push({ message: 'merge key "<<" needs a mapping or a list of mappings', keyPath: path, origin: at(k.range?.[0] ?? 0) });
          }
          continue;
        }
        const p = childPath(path, keyText);
        if (Object.hasOwn(out, keyText)) {
          problems.push({ message: `duplicate key "${keyText}"`, keyPath: p, ...(k?.range ? { origin: at(k.range[0]) } : {}) });
          continue;
        }
        if (k?.range) origins.addOffset(p, k.range[0]);
        out[keyText] = walk(pair.value, p);
      }
      if (merged.length === 0) return out;
      const res: Record<string, unknown> = {};
      for (let i = merged.length - 1; i >= 0; i--) Object.assign(res, merged[i]);
      return Object.assign(res, out);
    }
    return null;
  };
  const root = walk(doc.contents, '');
  if (root !== null && (typeof root !== 'object' || Array.isArray(root) || root instanceof Tagged)) {
    problems.push({ message: 'top-level must be a mapping', keyPath: '', origin: at(0) });
  }
  if (problems.length) return { problems };
  return { parsed: { file, tree: (root ?? {}) as Tree, origins, tagged }, problems };
}

// go-yaml (compose's parser) reads `0755` as octal like YAML 1.1, while the YAML 1.2 core schema
// reads it as decimal 755. File modes are written that way, so follow compose.
function scalarValue(v: unknown, source: string | undefined, type: string | undefined): unknown {
  if (typeof v === 'number' && type === 'PLAIN' && source && /^0[0-7]+$/.test(source)) return parseInt(source, 8);
  return v;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

