// The plain tree a stack file parses to, and the pieces every stage shares. Kept apart from the
// parsers so that importing them loads no YAML library (start-up: see yaml-fast.ts).
import type { OriginMap } from './origins.ts';

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
