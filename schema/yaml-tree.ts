// Stack file text → a plain tree (objects, arrays, scalars) plus a key-path → origin map.
//
// This is the full parse, with the position of every key. The happy path does not need
// positions and parses with yaml-fast.ts instead; this one runs when that parser refuses a file
// (so the error comes from here, with file:line:col) or when an origin is asked for (an error
// found by a later stage: see parse-file.ts).
//
// We walk the `yaml` AST ourselves instead of calling doc.toJS() because we need the
// position of every key for error messages (compose-go loses it), and because we resolve
// anchors, aliases and `<<` merge keys in one pass: `yaml`'s Alias.resolve() searches the
// whole document for each alias, which is quadratic on a 1000-service file.
import { createRequire } from 'node:module';
import type { Node as YNode } from 'yaml';
import type { Origin, StackFileProblem } from './errors.ts';
import { OriginMap } from './origins.ts';
import { Tagged, childPath } from './tree.ts';
import type { ParsedFile, Tree } from './tree.ts';

export { Tagged, childPath };
export type { ParsedFile, Tree };

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** `yaml` is loaded on first use: a command whose stack file parses on the fast path never pays for it. */
function yamlLib(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

export function parseYaml(text: string, file: string): { parsed?: ParsedFile; problems: StackFileProblem[] } {
  const { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, isPair } = yamlLib();
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
  // Aliases are expanded (each use is a fresh copy), so nested aliases could multiply the work
  // without bound (a "billion laughs" file): stop at a budget linear in the text.
  const budget = Math.max(1_000_000, text.length * 10);
  let walked = 0;
  const walk = (node: unknown, path: string): unknown => {
    if (node === null || node === undefined) return null;
    if (++walked > budget) {
      if (walked === budget + 1) problems.push({ message: 'aliases expand to too many values (an alias bomb?)', keyPath: path, origin: at((node as YNode).range?.[0] ?? 0) });
      return null;
    }
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
      // Merge keys as js-yaml (the fast path) applies them, so both parsers give the same tree,
      // key order included: the sources of a `<<` add the keys not already set, earlier sources
      // first; an explicit key after them replaces a merged one; an explicit key twice is an error.
      const out: Record<string, unknown> = {};
      const mergedKeys = new Set<string>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as YNode | null;
        const keyText = isScalar(k) ? String(k.value) : k === null ? '' : String(k);
        if (isScalar(k) && keyText === '<<' && k.type === 'PLAIN') {
          const srcs = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of srcs) {
            const v = walk(s, path);
            if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tagged)) {
              for (const [mk, mv] of Object.entries(v)) {
                if (Object.hasOwn(out, mk)) continue;
                out[mk] = mv;
                mergedKeys.add(mk);
              }
            } else {
              problems.push({ message: 'merge key "<<" needs a mapping or a list of mappings', keyPath: path, origin: at(k.range?.[0] ?? 0) });
            }
          }
          continue;
        }
        const p = childPath(path, keyText);
        if (Object.hasOwn(out, keyText) && !mergedKeys.has(keyText)) {
          problems.push({ message: `duplicate key "${keyText}"`, keyPath: p, ...(k?.range ? { origin: at(k.range[0]) } : {}) });
          continue;
        }
        mergedKeys.delete(keyText);
        if (k?.range) origins.addOffset(p, k.range[0]);
        out[keyText] = walk(pair.value, p);
      }
      return out;
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

