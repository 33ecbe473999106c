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

/**
 * Rules by path length and last segment (each list in table order, with the rules ending in `*`
 * merged in), built once per table: lookup runs for every key of every service, and scanning the
 * whole table each time was a visible part of loading a 1000-service stack.
 */
interface Index<F> {
  exact: Map<number, Map<string, Compiled<F>[]>>;
  wild: Map<number, Compiled<F>[]>;
}
const indexes = new WeakMap<object, Index<unknown>>();
const NONE: never[] = [];

function indexOf<F>(rules: Compiled<F>[]): Index<F> {
  let idx = indexes.get(rules) as Index<F> | undefined;
  if (idx) return idx;
  idx = { exact: new Map(), wild: new Map() };
  for (const r of rules) {
    const n = r.segs.length;
    const last = r.segs[n - 1]!;
    if (last === '*') {
      let w = idx.wild.get(n);
      if (!w) idx.wild.set(n, (w = []));
      w.push(r);
    } else {
      let byLast = idx.exact.get(n);
      if (!byLast) idx.exact.set(n, (byLast = new Map()));
      let e = byLast.get(last);
      if (!e) byLast.set(last, (e = []));
      e.push(r);
    }
  }
  for (const [n, byLast] of idx.exact) {
    const w = idx.wild.get(n);
    if (!w) continue;
    for (const [k, e] of byLast) byLast.set(k, rules.filter((r) => e.includes(r) || w.includes(r)));
  }
  indexes.set(rules, idx as Index<unknown>);
  return idx;
}

export function lookup<F>(rules: Compiled<F>[], path: Segments): F | undefined {
  const n = path.length;
  if (n === 0) return undefined;
  const idx = indexOf(rules);
  const candidates = idx.exact.get(n)?.get(path[n - 1]!) ?? idx.wild.get(n) ?? NONE;
  outer: for (const r of candidates) {
    for (let i = 0; i < n - 1; i++) {
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
