// Key-path patterns for the rule tables: `services.*.ports` matches `services.web.ports`.
// Paths inside the rules are segment arrays (no list indexes: rules address keys, not items).

export type Segments = readonly string[];

export interface Compiled<F> {
  segs: string[];
  fn: F;
}

export function compile<F>(table: Record<string, F>): Compiled<F>[] {
  return Object.entries(table).map(([p, fn]) => ({ segs: p.split('.'), fn }));
}

export function lookup<F>(rules: Compiled<F>[], path: Segments): F | undefined {
  outer: for (const r of rules) {
    if (r.segs.length !== path.length) continue;
    for (let i = 0; i < path.length; i++) {
      const s = r.segs[i];
      if (s !== '*' && s !== path[i]) continue outer;
    }
    return r.fn;
  }
  return undefined;
}

export function joinPath(segs: Segments): string {
  return segs.join('.');
}
