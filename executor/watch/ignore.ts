// Path filters with docker's .dockerignore rules (moby/patternmatcher), matched by picomatch:
// - one pattern a line; blank lines and lines starting with `#` are skipped; spaces trimmed;
// - patterns are cleaned (`a/../b` → `b`, trailing `/` dropped) and anchored at the root
//   (`/build` = `build`; `*.go` matches `main.go`, not `pkg/main.go` — unlike .gitignore);
// - `*` and `?` never cross `/`, `**` spans any number of directories (zero included);
// - a pattern that matches a directory also matches everything under it;
// - `!pattern` re-includes; the last pattern that matches a path decides.
// Known difference from docker, on purpose kept small: `**` glued inside a segment (`a**b`)
// acts as `*` (picomatch's globstar is a whole segment).
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';
import { TscError } from '../../schema/errors.ts';

export interface PathMatcher {
  /** True when `rel` (relative to the matcher's base, `/`-separated, no leading `/`) is matched. */
  matches(rel: string): boolean;
  readonly patterns: readonly string[];
}

export class IgnorePatternError extends TscError {
  constructor(pattern: string, where: string) {
    super('WATCH_PATTERN', `${where}: invalid pattern ${JSON.stringify(pattern)}`, {
      hint: 'a pattern is a path glob (`*`, `?`, `**`, `[a-z]`), optionally prefixed by `!` to re-include',
    });
  }
}

/** The lines of a .dockerignore file as docker reads them (comments and blanks dropped, cleaned). */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    if (negate) p = p.slice(1).trim();
    if (p.length > 0) {
      p = posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(negate ? `!${p}` : p);
  }
  return out;
}

/**
 * The ignore file of a build context, as BuildKit picks it: `<Dockerfile>.dockerignore` beside the
 * Dockerfile first, else `.dockerignore` at the context root. Missing → no patterns.
 */
export function loadDockerignore(contextDir: string, dockerfile = 'Dockerfile'): string[] {
  for (const f of [join(contextDir, `${dockerfile}.dockerignore`), join(contextDir, '.dockerignore')]) {
    let text: string;
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    return parseDockerignore(text);
  }
  return [];
}

interface Compiled { negate: boolean; test: (rel: string) => boolean }

const PM_OPTS = { dot: true, nobrace: true, noextglob: true, noquantifiers: true } as const;

function compileOne(pattern: string, where: string): Compiled {
  const negate = pattern.startsWith('!');
  let p = negate ? pattern.slice(1) : pattern;
  if (p === '') throw new IgnorePatternError(pattern, where);
  p = posix.normalize(p);
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
  let m: (s: string) => boolean;
  try { m = picomatch(p, PM_OPTS); } catch { throw new IgnorePatternError(pattern, where); }
  // Docker's `dir/**` needs something after `dir/`; picomatch would also match `dir` itself.
  const bare = p.endsWith('/**') ? p.slice(0, -3) : undefined;
  return { negate, test: bare === undefined ? m : (s) => s !== bare && m(s) };
}

/** A matcher over docker-style patterns (already cleaned or not: cleaning again is harmless). */
export function dockerPatterns(patterns: readonly string[], where = 'ignore'): PathMatcher {
  const compiled = patterns.filter((p) => p.trim() !== '' && !p.trim().startsWith('#')).map((p) => compileOne(p.trim(), where));
  return {
    patterns,
    matches(rel: string): boolean {
      if (compiled.length === 0) return false;
      const file = posix.normalize(rel).replace(/^\/+/, '').replace(/\/+$/, '');
      const parts = file.split('/');
      const parents: string[] = [];
      for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
      let matched = false;
      for (const c of compiled) {
        // Same shortcut as patternmatcher: an include can only flip a match, an exclude only a miss.
        if (c.negate !== matched) continue;
        let hit = c.test(file);
        if (!hit) for (const par of parents) if (c.test(par)) { hit = true; break; }
        if (hit) matched = !c.negate;
      }
      return matched;
    },
  };
}

/**
 * Files editors and tools write beside the real ones (swap files, backups, atomic-save temps),
 * which compose also never syncs. Anchored anywhere with `**`.
 */
export const EPHEMERAL_PATTERNS: readonly string[] = [
  '**/.*.swp', '**/.*.swx', '**/.*.swo', '**/.*.swn', '**/4913', '**/*~', // vim
  '**/.#*', '**/#*#', // emacs
  '**/*___jb_old___', '**/*___jb_tmp___', // JetBrains safe-write
  '**/*.kate-swp', '**/.*.kate-swp', '**/.DS_Store', '**/*.tscompose-tmp',
];

/** `.git` anywhere in the path: version-control internals never go into a container. */
export function inDotGit(rel: string): boolean {
  return rel === '.git' || rel.startsWith('.git/') || rel.includes('/.git/') || rel.endsWith('/.git');
}
