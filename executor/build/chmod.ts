// `COPY/ADD --chmod=MODE`: octal (`755`, `0644`) or, as BuildKit's Dockerfile frontend accepts
// since non-octal --chmod left its labs channel (moby/buildkit#5734), chmod(1)'s symbolic form:
// comma-separated clauses `[ugoa]*([-+=]([rwxXst]*|[ugo]))+` (`u+x`, `go-w`, `a=rX`, `g=u`).
// A symbolic mode is applied to each copied item's own mode, so `X` makes directories (and files
// already executable by someone) executable and leaves other files alone. Without `ugoa` a clause
// applies to all, with no umask (a build has none to apply).

/** The parsed --chmod: an octal mode, or the clauses of a symbolic one (JSON-stable for cache keys). */
export type Chmod = number | { symbolic: Clause[] };

interface Clause { who: string; ops: { op: '+' | '-' | '='; perms: string }[] }

const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;

export function parseChmod(v: string): Chmod | undefined {
  if (/^[0-7]{1,4}$/.test(v)) return parseInt(v, 8);
  const clauses: Clause[] = [];
  for (const part of v.split(',')) {
    const m = CLAUSE.exec(part);
    if (!m) return undefined;
    const ops = [...m[2]!.matchAll(/([-+=])([ugo]|[rwxXst]*)/g)].map((o) => ({ op: o[1] as '+' | '-' | '=', perms: o[2]! }));
    clauses.push({ who: m[1] || 'a', ops });
  }
  return { symbolic: clauses };
}

/** The mode an item gets: `chmod` applied to its own permission bits (`mode & 0o7777`). */
export function applyChmod(chmod: Chmod, mode: number, isDir: boolean): number {
  if (typeof chmod === 'number') return chmod;
  let m = mode & 0o7777;
  for (const c of chmod.symbolic) {
    const who = c.who.includes('a') ? 'ugo' : c.who;
    // The rwx bits of each class, and the special bit each class owns (setuid, setgid, sticky).
    const mask = (who.includes('u') ? 0o4700 : 0) | (who.includes('g') ? 0o2070 : 0) | (who.includes('o') ? 0o1007 : 0);
    for (const { op, perms } of c.ops) {
      let rwx = 0;
      let special = 0;
      if (perms === 'u' || perms === 'g' || perms === 'o') {
        rwx = (m >> (perms === 'u' ? 6 : perms === 'g' ? 3 : 0)) & 7;
      } else {
        for (const p of perms) {
          if (p === 'r') rwx |= 4;
          else if (p === 'w') rwx |= 2;
          else if (p === 'x') rwx |= 1;
          // X: execute for directories and for files someone may already execute.
          else if (p === 'X') { if (isDir || (m & 0o111)) rwx |= 1; }
          else if (p === 's') special |= 0o6000;
          else if (p === 't') special |= 0o1000;
        }
      }
      const bits = ((rwx << 6) | (rwx << 3) | rwx | special) & mask;
      if (op === '+') m |= bits;
      else if (op === '-') m &= ~bits;
      else m = (m & ~mask) | bits;
    }
  }
  return m;
}
