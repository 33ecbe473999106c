// `up`'s pulls, before planning (as docker compose's `up` pulls before it creates): each service's
// `pull_policy` (`always`, `missing`/`if_not_present` (the default), `never`, `build`), or for
// every service the `--pull` flag, which compose applies by overwriting each service's policy.
// Pulling first lets the planner see the digests of the images the containers will run, so an
// image that changed upstream recreates its containers and an unchanged one keeps them.
// Services with `build:` are left to the builds (`up` builds missing ones and `pull_policy: build`).
import { TscError, UsageError } from '../../schema/errors.ts';
import type { Project, Service } from '../../schema/model.ts';
import type { Emit } from './events.ts';
import { imageRefOf } from './image-name.ts';
import { serviceGraphOf, withDependencies } from '../../planner/graph.ts';

export type UpPull = 'always' | 'missing' | 'never' | 'build';
type StorePolicy = 'always' | 'missing' | 'never';

/** `up --pull`: compose's values; `policy` (compose's default) = each service's own. */
export function parsePullFlag(v: string | undefined): UpPull | undefined {
  if (v === undefined || v === 'policy') return undefined;
  if (v === 'always' || v === 'missing' || v === 'never' || v === 'build') return v;
  throw new UsageError(`invalid --pull value "${v}": use always, missing, never or build`);
}

/** The project with every service's pull_policy set to the flag (compose does the same); the input is not changed. */
export function applyPullFlag(project: Project, flag: UpPull | undefined): Project {
  if (!flag) return project;
  const services: Project['services'] = {};
  for (const [n, s] of Object.entries(project.services)) services[n] = { ...s, pull_policy: flag };
  return { ...project, services };
}

/**
 * What the store is asked for one service: undefined = nothing to pull here (a service that
 * builds, or one without an image). A refresh interval (`daily`, `weekly`, `every_<duration>`)
 * is `missing` here; `pullForUp` turns it into `always` once the last pull is older than that.
 */
export function storePolicyOf(s: Service): StorePolicy | undefined {
  if (!s.image || s.build) return undefined;
  switch (s.pull_policy) {
    case 'always': return 'always';
    case 'never': return 'never';
    default: return 'missing'; // missing, if_not_present, build without a build section, refresh intervals
  }
}

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/**
 * compose's refresh policies: `daily` (24 h), `weekly` (7 d), `every_<duration>` with w/d/h/m/s
 * parts (`every_12h`, `every_1d12h`); undefined for any other policy. A malformed duration is an
 * error naming the service.
 */
export function refreshIntervalMs(policy: string | undefined, service = ''): number | undefined {
  if (policy === 'daily') return UNIT_MS.d;
  if (policy === 'weekly') return UNIT_MS.w;
  if (!policy?.startsWith('every_')) return undefined;
  const text = policy.slice('every_'.length);
  let ms = 0;
  let rest = text;
  for (let m = /^(\d+)([wdhms])/.exec(rest); m; m = /^(\d+)([wdhms])/.exec(rest)) {
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (!text || rest || ms <= 0) {
    throw new TscError('PULL_POLICY', `services.${service}.pull_policy: invalid refresh interval "${policy}"`, { hint: 'use daily, weekly or every_<duration> such as every_12h or every_1d12h' });
  }
  return ms;
}

/**
 * The services `up SERVICE...` starts, in the project's order (all when none is named): the named ones
 * and, unless --no-deps, what the planner starts with them — its graph's edges (depends_on, links,
 * network_mode/ipc/pid: service:, volumes_from), so the pulls and builds before `up` cover every
 * container it will create. Shared by pullForUp and the builds for `up` (cli/commands/build-run.ts).
 */
export function servicesInScope(project: Project, names: string[], withDeps = true): string[] {
  if (!names.length) return Object.keys(project.services);
  let scope: Set<string>;
  if (withDeps) {
    const graph = serviceGraphOf(project);
    scope = new Set(withDependencies(graph, names).map((i) => graph.services[i]!));
  } else {
    scope = new Set(names);
  }
  return Object.keys(project.services).filter((n) => scope.has(n));
}

export interface PullStore {
  resolve(ref: string): Promise<{ digest: string } | undefined>;
  /** When the ref was last set (pulled or tagged); undefined when unknown. */
  refreshedAt?(ref: string): Date | undefined;
  ensure(ref: string, policy: StorePolicy, opts?: { platform?: string; signal?: AbortSignal }): Promise<{ digest: string }>;
}

/** The image store as pullForUp uses it, with the time each ref was last set (refs.json). */
export function pullStore(store: PullStore & { refs: { get(ref: string): { created: string } | undefined } }, normalize: (ref: string) => string): PullStore {
  return {
    resolve: (ref) => store.resolve(ref),
    ensure: (ref, policy, opts) => store.ensure(ref, policy, opts),
    refreshedAt(ref) {
      let key = ref;
      try { key = normalize(ref); } catch { /* resolve reports a bad name */ }
      const at = store.refs.get(key)?.created;
      return at ? new Date(at) : undefined;
    },
  };
}

export interface PullForUpOptions {
  services?: string[];
  noDeps?: boolean;
  emit: Emit;
  signal?: AbortSignal;
  /** Parallel pulls of different images (default 4). */
  concurrency?: number;
  /** Now, for refresh intervals (tests). */
  now?: () => number;
}

/**
 * Pulls what the services in scope need by their policies, one pull per image (the strictest
 * policy of the services sharing it), several images at once. Returns the project with the
 * pulled services' policy turned to `missing`, so creating the containers does not pull again.
 * A `never` image that is missing, or a failed pull, is an error naming the services.
 */
export async function pullForUp(project: Project, store: PullStore, o: PullForUpOptions): Promise<Project> {
  const byRef = new Map<string, { policy: StorePolicy; services: string[]; platform?: string }>();
  const rank = { never: 0, missing: 1, always: 2 } as const;
  for (const n of servicesInScope(project, o.services ?? [], !o.noDeps)) {
    const s = project.services[n]!;
    let policy = storePolicyOf(s);
    if (!policy) continue;
    const ref = imageRefOf(project, n)!;
    const every = refreshIntervalMs(s.pull_policy, n);
    if (every !== undefined && policy === 'missing') {
      const at = store.refreshedAt?.(ref);
      if (at && (o.now?.() ?? Date.now()) - at.getTime() > every) policy = 'always';
    }
    const e = byRef.get(ref) ?? { policy, services: [] };
    if (rank[policy] > rank[e.policy]) e.policy = policy;
    e.services.push(n);
    if (s.platform) e.platform = s.platform;
    byRef.set(ref, e);
  }
  const queue = [...byRef.entries()];
  const errors: unknown[] = [];
  const pulled = new Set<string>();
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [ref, e] = next;
      if (o.signal?.aborted) return;
      try {
        if (e.policy !== 'always' && await store.resolve(ref)) continue;
        if (e.policy === 'never') {
          throw new TscError('IMAGE_NOT_FOUND', `Image ${ref} of service ${e.services.map((s) => `"${s}"`).join(', ')} is not in the local store and its pull_policy is never`, {
            hint: `pull it (\`tscompose pull ${e.services[0]}\`) or use --pull missing`,
          });
        }
        o.emit({ type: 'image', action: 'pull', name: ref, detail: e.services.join(', ') });
        await store.ensure(ref, e.policy, { ...(e.platform ? { platform: e.platform } : {}), ...(o.signal ? { signal: o.signal } : {}) });
        o.emit({ type: 'image', action: 'pulled', name: ref });
        for (const s of e.services) pulled.add(s);
      } catch (err) {
        if (!(err instanceof TscError && err.code === 'IMAGE_NOT_FOUND' && e.policy === 'never')) {
          o.emit({ type: 'image', action: 'error', name: ref, detail: err instanceof Error ? err.message : String(err) });
        }
        errors.push(err instanceof TscError && err.code === 'IMAGE_NOT_FOUND' && e.policy === 'never' ? err
          : new TscError('PULL', `Pulling ${ref} for service ${e.services.map((s) => `"${s}"`).join(', ')} failed: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err, hint: err instanceof TscError ? err.hint : undefined,
          }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, Math.max(1, queue.length)) }, worker));
  if (errors.length) throw errors[0];
  if (o.signal?.aborted) throw o.signal.reason;
  if (!pulled.size) return project;
  const services: Project['services'] = { ...project.services };
  for (const n of pulled) services[n] = { ...services[n]!, pull_policy: 'missing' };
  return { ...project, services };
}

/**
 * The manifest digest of each service's image found in the store (services that build included),
 * for the planner's config hash. Missing images are left out (create reports them).
 */
export async function imageDigestsOf(project: Project, store: Pick<PullStore, 'resolve'>): Promise<Record<string, string>> {
  const byRef = new Map<string, string | undefined>();
  const out: Record<string, string> = {};
  for (const n of Object.keys(project.services)) {
    const ref = imageRefOf(project, n);
    if (!ref) continue;
    if (!byRef.has(ref)) byRef.set(ref, (await store.resolve(ref).catch(() => undefined))?.digest);
    const d = byRef.get(ref);
    if (d) out[n] = d;
  }
  return out;
}
