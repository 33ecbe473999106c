// The happy-path parse: stack file text → the same plain tree as yaml-tree.ts, without positions.
//
// Measured on a 1000-service stack (bench/config.ts, cold process): `yaml`'s parseDocument plus our
// AST walk costs 400–600 ms of CPU, js-yaml's values-only load 50–90 ms. Positions are only read
// when something is wrong, so a file is parsed here, and re-parsed with positions (yaml-tree.ts)
// only when an error needs them (parse-file.ts).
//
// The result must equal yaml-tree.ts's tree exactly (test/unit/schema/yaml-fast.test.ts proves it on
// every fixture and with a property test). So this parser is told the YAML 1.2 core schema as `yaml`
// applies it (not js-yaml's own int/float rules), compose's octal `0755`, `<<` merge keys and the
// `!reset` / `!override` tags. Anything it is not sure to read the same way is refused (undefined):
// any js-yaml error (syntax, duplicate key, unknown tag, bad merge, several documents), `%` directives
// and explicit `!!` tags. The caller then parses with yaml-tree.ts, which gives the exact error.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as JsYaml from 'js-yaml';
import { Tagged } from './tree.ts';
import type { Tree } from './tree.ts';

type JsYamlModule = typeof JsYaml;

interface Loader {
  lib: JsYamlModule;
  schema: JsYaml.Schema;
}

let loader: Loader | undefined;
/** Set while one load runs: whether a `!reset` / `!override` was constructed. */
let sawTag = false;

function makeLoader(): Loader {
  const lib = requireJsYaml();
  const { Type, FAILSAFE_SCHEMA } = lib;
  // The YAML 1.2 core schema's implicit scalars, with the patterns `yaml` uses (schema/core/*.js
  // there): js-yaml's own core types also accept `1_000`, `0b11` and signed hex, which are strings
  // in YAML 1.2. Every plain scalar, keys included, is tried against each type in turn, so each
  // resolver first rules out by length or first character what its patterns cannot match.
  const nullType = new Type('tag:yaml.org,2002:null', {
    kind: 'scalar',
    resolve: (s: string | null) => s === null || s === '' || s === '~' || (s.length === 4 && /^(?:[Nn]ull|NULL)$/.test(s)),
    construct: () => null,
  });
  const boolType = new Type('tag:yaml.org,2002:bool', {
    kind: 'scalar',
    resolve: (s: string | null) => s !== null && (s.length === 4 || s.length === 5) && /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
    construct: (s: string) => s[0] === 't' || s[0] === 'T',
  });
  const intType = new Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (s: string | null) => s !== null && numberStart(s) && /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(s),
    construct: (s: string) => {
      if (s.startsWith('0o')) return parseInt(s.slice(2), 8);
      if (s.startsWith('0x')) return parseInt(s.slice(2), 16);
      // go-yaml (compose's parser) reads `0755` as octal like YAML 1.1; yaml-tree.ts does the same.
      if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
      return parseInt(s, 10);
    },
  });
  const floatType = new Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (s: string | null) =>
      s !== null &&
      numberStart(s) &&
      (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s) ||
        /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) ||
        /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)),
    construct: (s: string) => {
      const t = s.slice(-3).toLowerCase();
      if (t === 'nan') return NaN;
      if (t === 'inf') return s[0] === '-' ? -Infinity : Infinity;
      return parseFloat(s);
    },
  });
  // A plain `<<` key: js-yaml's loader merges the mappings of a key with this tag.
  const mergeType = new Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (s: string | null) => s === '<<' });
  // `!reset` / `!override` on any kind of node. Like `yaml` with a tag it does not know, a tagged
  // scalar keeps its text as written (`!reset null` is the string "null", an empty one "").
  const tagTypes = (['reset', 'override'] as const).flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) =>
        new Type(`!${tag}`, {
          kind,
          construct: (data: unknown) => {
            sawTag = true;
            return new Tagged(tag, data ?? '');
          },
        }),
    ),
  );
  const schema = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType, mergeType], explicit: tagTypes });
  return { lib, schema };
}

/** Whether `s` starts like a YAML 1.2 number: a sign, a dot or a digit. */
function numberStart(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46;
}

/**
 * js-yaml's one-file build (dist/js-yaml.js, the same code) instead of its index: the index pulls 25
 * modules, and resolving and compiling them costs ~5 ms more of every command's start-up. The
 * package's exports map only names the index, so the file is required by its path.
 */
function requireJsYaml(): JsYamlModule {
  const req = createRequire(import.meta.url);
  try {
    return req(join(dirname(req.resolve('js-yaml')), 'dist', 'js-yaml.js')) as JsYamlModule;
  } catch {
    return req('js-yaml') as JsYamlModule;
  }
}

/** The tree, or undefined when this parser is not the one to decide (see the header). */
export function parseYamlFast(text: string): { tree: Tree; tagged: boolean } | undefined {
  if (text.includes('!!') || /^%/m.test(text)) return undefined;
  loader ??= makeLoader();
  sawTag = false;
  let root: unknown;
  try {
    // js-yaml bounds the keys `<<` may copy (10000 by default, against merge bombs); a big stack
    // that merges a few keys into every service passes that, so the bound grows with the text
    // (the work stays linear in the input). Beyond it the full parser decides.
    const opts = { schema: loader.schema, maxTotalMergeKeys: Math.max(10_000, text.length) };
    root = loader.lib.load(text, opts as JsYaml.LoadOptions);
  } catch {
    return undefined;
  }
  if (root === undefined || root === null) return { tree: {}, tagged: false };
  if (typeof root !== 'object' || Array.isArray(root) || root instanceof Tagged) return undefined;
  const tagged = sawTag;
  // Without an anchor (`&`) there is no alias, so nothing is shared and the copy pass can be skipped.
  if (!text.includes('&')) return { tree: root as Tree, tagged };
  // Copies are bounded like yaml-tree.ts's expansion: an alias bomb is the full parser's to report.
  budget = Math.max(1_000_000, text.length * 10);
  try {
    return { tree: unshare(root, new Set()) as Tree, tagged };
  } catch (e) {
    if (e === TOO_BIG) return undefined;
    throw e;
  }
}

/**
 * js-yaml gives every alias (and every `<<` merged value) the very object of its anchor; yaml-tree.ts
 * builds a fresh copy per use, and later stages may edit a service's tree in place. So a value met a
 * second time is copied.
 */
let budget = 0;
const TOO_BIG = new Error('alias expansion over budget');

function unshare(v: unknown, seen: Set<object>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (--budget < 0) throw TOO_BIG;
  if (seen.has(v)) return copy(v);
  seen.add(v);
  if (v instanceof Tagged) {
    const inner = unshare(v.value, seen);
    return inner === v.value ? v : new Tagged(v.tag, inner);
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unshare(v[i], seen);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) o[k] = unshare(o[k], seen);
  return o;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (--budget < 0) throw TOO_BIG;
  if (v instanceof Tagged) return new Tagged(v.tag, copy(v.value));
  if (Array.isArray(v)) return v.map(copy);
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}
