// The CLI's store for schema/parse-cache.ts: one file per parsed stack file under
// $XDG_CACHE_HOME/tscompose/parse (or ~/.cache/…). Best effort: any I/O error is a miss.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseCacheStore } from '../schema/parse-cache.ts';

export function fileParseCache(env: NodeJS.ProcessEnv = process.env): ParseCacheStore | undefined {
  if (env.TSCOMPOSE_NO_PARSE_CACHE) return undefined;
  const base = env.XDG_CACHE_HOME ?? (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (!base) return undefined;
  const dir = join(base, 'tscompose', 'parse');
  return {
    get(key) {
      try {
        return readFileSync(join(dir, key), 'utf8');
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      try {
        mkdirSync(dir, { recursive: true });
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        writeFileSync(tmp, value);
        renameSync(tmp, join(dir, key));
      } catch {
        // A cache that cannot be written is only slower.
      }
    },
  };
}
