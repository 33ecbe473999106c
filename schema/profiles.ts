// Profiles: a service without `profiles` is always on; one with profiles is on when one of them is
// active (`--profile`, else COMPOSE_PROFILES; `*` = all), or when it is named on the command line
// (then its dependencies come along, as `docker compose up svc` does).
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function splitByProfiles(services: Obj, active: string[], named: string[] = []): { enabled: Obj; disabled: Obj } {
  const all = active.includes('*');
  const on = new Set<string>();
  for (const [name, s] of Object.entries(services)) {
    const p = isObj(s) && Array.isArray(s.profiles) ? (s.profiles as string[]) : [];
    if (p.length === 0 || all || p.some((x) => active.includes(x))) on.add(name);
  }
  const queue = named.filter((n) => n in services);
  while (queue.length) {
    const n = queue.pop()!;
    if (on.has(n) && !named.includes(n)) continue;
    on.add(n);
    const s = services[n];
    for (const d of isObj(s) && isObj(s.depends_on) ? Object.keys(s.depends_on) : []) {
      if (d in services && !on.has(d)) queue.push(d);
    }
  }
  const enabled: Obj = {};
  const disabled: Obj = {};
  for (const [name, s] of Object.entries(services)) (on.has(name) ? enabled : disabled)[name] = s;
  return { enabled, disabled };
}

/** All profile names the services mention, sorted (for `config --profiles`). */
export function profileNames(services: Obj): string[] {
  const out = new Set<string>();
  for (const s of Object.values(services)) if (isObj(s) && Array.isArray(s.profiles)) for (const p of s.profiles) out.add(String(p));
  return [...out].sort();
}
