// A content-addressed cache of parsed stack files (tree + origins), so a big file is parsed by
// `yaml` once, not on every command: parsing 12k lines costs ~200-400 ms, reading the cached
// JSON ~10 ms. The store is injected (schema/ does no writes): the CLI keeps it under
// ~/.cache/tscompose/parse, tests and library callers go without. Keyed by the sha256 of the
// file text and the cache format version, so an edited file is simply a miss.
import { OriginMap } from './origins.ts';
import { Tagged } from './yaml-tree.ts';
import type { ParsedFile, Tree } from './yaml-tree.ts';

export interface ParseCacheStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

const VERSION = 2;
const TAG = '\u0000tagged';

export function cacheKey(text: string): string {
  // node:crypto costs ~10 ms to load: only pay for it when a big file is actually cached.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(`tscompose-parse-v${VERSION}\n`).update(text).digest('hex');
}

export function encodeParsed(p: ParsedFile): string {
  // Origins go in as one JSON string: reading a string is cheap, and it is only parsed when an
  // origin is actually needed (an error), not on every successful load.
  const origins = JSON.stringify(p.origins.flat());
  const tree = p.tagged ? encodeTags(p.tree) : p.tree;
  return JSON.stringify({ v: VERSION, tagged: p.tagged, tree, origins });
}

export function decodeParsed(s: string, file: string): ParsedFile | undefined {
  let raw: { v: number; tagged: boolean; tree: Tree; origins: string };
  try {
    raw = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (raw.v !== VERSION || typeof raw.origins !== 'string') return undefined;
  const origins = new OriginMap(file);
  origins.addFlatJson(raw.origins);
  return { file, tree: raw.tagged ? (decodeTags(raw.tree) as Tree) : raw.tree, origins, tagged: raw.tagged };
}

function encodeTags(v: unknown): unknown {
  if (v instanceof Tagged) return { [TAG]: v.tag, value: encodeTags(v.value) };
  if (Array.isArray(v)) return v.map(encodeTags);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeTags(x)]));
  return v;
}

function decodeTags(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeTags);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o[TAG] === 'string') return new Tagged(o[TAG] as 'reset' | 'override', decodeTags(o.value));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeTags(x)]));
  }
  return v;
}
