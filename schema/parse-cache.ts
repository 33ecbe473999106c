// A content-addressed cache of parsed stack files (the tree), so a big file is not parsed on
// every command: the fast parse of 12k lines costs ~50-90 ms of CPU in a fresh process, reading the
// cached JSON ~10 ms. Origins are not cached: like a fresh parse's, they are rebuilt from the text
// only when an error asks for one (parse-file.ts). The store is injected (schema/ does no writes):
// the CLI keeps it under ~/.cache/tscompose/parse, tests and library callers go without. Keyed by
// the sha256 of the file text and the cache format version, so an edited file is simply a miss.
import { Tagged } from './tree.ts';
import type { ParsedFile, Tree } from './tree.ts';
import { parsedFromTree } from './parse-file.ts';

export interface ParseCacheStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

const VERSION = 3;
const TAG = '\u0000tagged';

export function cacheKey(text: string): string {
  // node:crypto costs ~10 ms to load: only pay for it when a big file is actually cached.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(`tscompose-parse-v${VERSION}\n`).update(text).digest('hex');
}

export function encodeParsed(p: Pick<ParsedFile, 'tree' | 'tagged'>): string {
  const tree = p.tagged ? encodeTags(p.tree) : p.tree;
  return JSON.stringify({ v: VERSION, tagged: p.tagged, tree });
}

/** The cached file, or undefined for a corrupt or older entry; `text` is the file's (for its origins). */
export function decodeParsed(s: string, file: string, text: string): ParsedFile | undefined {
  let raw: { v: number; tagged: boolean; tree: Tree };
  try {
    raw = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (raw?.v !== VERSION || typeof raw.tree !== 'object' || raw.tree === null) return undefined;
  return parsedFromTree(text, file, raw.tagged ? (decodeTags(raw.tree) as Tree) : raw.tree, raw.tagged === true);
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
