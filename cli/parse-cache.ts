// The CLI's store for schema/parse-cache.ts: one file per parsed stack file under
// $XDG_CACHE_HOME/tscompose/parse (or ~/.cache/…). Best effort: any I/O error is a miss.
// Only files of 16 KiB and more are cached, and only the newest KEEP entries are kept.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseCacheStore } from '../schema/parse-cache.ts';

const KEEP = 64;

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
        prune(dir);
      } catch {
        // A cache that cannot be written is only slower.
      }
    },
  };
}

function prune(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= KEEP) return;
  const byAge = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { n } of byAge.slice(KEEP)) rmSync(join(dir, n), { force: true });
}
