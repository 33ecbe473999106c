// Which services of a project get their image built, with what request, and in what order.
// The Dockerfile engine (executor/build) builds one image; this file turns a project's `build:`
// sections into its requests (docker compose's naming and flags) and runs them as a graph:
// independent services build in parallel (bounded), and a service whose `additional_contexts`
// name `service:X` waits for X's build and gets its image. The build function is passed in, so
// the selection and ordering are unit-tested without building anything.
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Project, Service } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import { inDependencyOrder } from '../../planner/walk.ts';
import type { BuildEvent, BuildRequest, BuildResult } from '../build/build.ts';
import type { ImageStore } from '../image/store.ts';
import { imageRefOf } from './image-name.ts';

export { imageRefOf } from './image-name.ts';

/** A build request without the effects the caller adds (store, signal, progress). */
export type ServiceBuildRequest = Omit<BuildRequest, 'store' | 'signal' | 'onEvent'>;

export type BuildFn = (req: BuildRequest) => Promise<BuildResult>;

/** Flags of `tscompose build` / `up --build` that apply to every service. */
export interface BuildFlags {
  noCache?: boolean;
  pull?: boolean;
  /** `--build-arg K=V` (already split; `K` alone was looked up in the environment by the caller). */
  args?: Record<string, string>;
}

/** `service:NAME` additional contexts of a service: the services whose image it builds on. */
export function buildDependencies(s: Service): string[] {
  const out: string[] = [];
  for (const v of Object.values(s.build?.additional_contexts ?? {})) if (v.startsWith('service:')) out.push(v.slice('service:'.length));
  return out;
}

/**
 * The services `tscompose build [SERVICE...]` builds: the named ones (all when none is named)
 * that have `build:`, plus the services their `service:` contexts name (an image must exist to
 * build on). Unknown names are an error; a named service without `build:` is skipped, as compose does.
 */
export function servicesToBuild(project: Project, names: string[] = []): string[] {
  for (const n of names) if (!project.services[n]) throw new TscError('NO_SERVICE', `No such service: "${n}"`);
  const picked = new Set<string>();
  const add = (n: string, from?: string) => {
    const s = project.services[n];
    if (!s) throw new TscError('BUILD_CONTEXT', `service "${from}": build.additional_contexts names service "${n}", which does not exist`);
    if (!s.build || picked.has(n)) return;
    picked.add(n);
    for (const d of buildDependencies(s)) add(d, n);
  };
  for (const n of names.length ? names : Object.keys(project.services)) add(n);
  return Object.keys(project.services).filter((n) => picked.has(n));
}

export type UpBuildMode = 'always' | 'missing' | 'never';

/**
 * The services `up` builds before planning: `--build` = every buildable service it starts;
 * `--no-build` = none; otherwise those whose image is missing and those with `pull_policy: build`.
 * `services` are the ones `up` starts (the named ones and their dependencies), already expanded.
 */
export async function servicesToBuildForUp(project: Project, services: string[], mode: UpBuildMode,
  hasImage: (ref: string) => Promise<boolean>): Promise<string[]> {
  if (mode === 'never') return [];
  const wanted: string[] = [];
  for (const n of services) {
    const s = project.services[n];
    if (!s?.build) continue;
    if (mode === 'always' || s.pull_policy === 'build' || !(await hasImage(imageRefOf(project, n)!))) wanted.push(n);
  }
  if (!wanted.length) return [];
  // A `service:` context whose image already exists is used as is; a missing one is built first.
  const out = new Set(wanted);
  const visit = async (n: string) => {
    for (const d of buildDependencies(project.services[n]!)) {
      if (out.has(d) || !project.services[d]?.build) continue;
      if (await hasImage(imageRefOf(project, d)!)) continue;
      out.add(d);
      await visit(d);
    }
  };
  for (const n of wanted) await visit(n);
  return Object.keys(project.services).filter((n) => out.has(n));
}

/** Turns a service's `build:` into the engine's request (pure). `built`: refs of services already built in this run. */
export function buildRequestOf(project: Project, name: string, flags: BuildFlags = {},
  onWarning: (m: string) => void = () => {}): ServiceBuildRequest {
  const s = project.services[name];
  const b = s?.build;
  if (!s || !b) throw new TscError('NO_BUILD', `Service "${name}" has no build section`);
  if (!isAbsolute(b.context)) {
    throw new TscError('BUILD_CONTEXT', `service "${name}": build context "${b.context}" is not a local directory`, {
      hint: 'remote (git/https) build contexts are not supported: check the repository out and use its path',
    });
  }
  const ref = imageRefOf(project, name)!;
  const req: ServiceBuildRequest = { name, contextDir: b.context, tags: [ref, ...(b.tags ?? []).filter((t) => t !== ref)], project: project.name };
  if (b.dockerfile_inline !== undefined) req.dockerfileInline = b.dockerfile_inline;
  else if (b.dockerfile) req.dockerfile = resolve(b.context, b.dockerfile);
  const args: Record<string, string | null> = { ...(b.args ?? {}), ...(flags.args ?? {}) };
  if (Object.keys(args).length) req.args = args;
  if (b.target) req.target = b.target;
  if (b.labels && Object.keys(b.labels).length) req.labels = { ...b.labels };
  if (b.no_cache || flags.noCache) req.noCache = true;
  if (b.pull || flags.pull) req.pull = true;
  if (b.shm_size !== undefined) req.shmSize = Number(b.shm_size);
  if (b.network !== undefined && b.network !== 'default') {
    if (b.network === 'none' || b.network === 'host') req.network = b.network;
    else onWarning(`service "${name}": build.network "${b.network}" is not supported (only default, none, host); building on the default network`);
  }
  const hosts = Object.entries(b.extra_hosts ?? {}).flatMap(([h, ips]) => ips.map((ip) => `${h}:${ip}`));
  if (hosts.length) req.extraHosts = hosts;
  const ctxs = Object.entries(b.additional_contexts ?? {});
  if (ctxs.length) {
    req.additionalContexts = {};
    for (const [k, v] of ctxs) {
      if (v.startsWith('service:')) {
        const dep = v.slice('service:'.length);
        const depRef = imageRefOf(project, dep);
        if (!depRef) throw new TscError('BUILD_CONTEXT', `service "${name}": build.additional_contexts.${k} names service "${dep}", which has no image or build`);
        req.additionalContexts[k] = { image: depRef };
      } else if (v.startsWith('docker-image://')) {
        req.additionalContexts[k] = { image: v.slice('docker-image://'.length) };
      } else if (isAbsolute(v)) {
        req.additionalContexts[k] = { dir: v };
      } else {
        throw new TscError('BUILD_CONTEXT', `service "${name}": build.additional_contexts.${k}: "${v}" is not supported`, { hint: 'use a local directory, service:NAME or docker-image://REF' });
      }
    }
  }
  return req;
}

export interface RunBuildsOptions {
  project: Project;
  services: string[];
  build: BuildFn;
  store: ImageStore;
  flags?: BuildFlags;
  /** Builds at once (default: min(4, cores)). */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
  /** A service's build starts / ends (for per-service progress). */
  onService?: (e: { service: string; state: 'start' | 'done' | 'failed'; result?: BuildResult; error?: unknown; ms: number }) => void;
  onWarning?: (m: string) => void;
}

/**
 * Builds the services as a graph (a `service:` context first), at most `concurrency` at once.
 * Resolves with each service's result; rejects with the first build's error (the rest that do
 * not wait on it finish first, as compose's parallel builds do), or the abort reason.
 */
export async function runBuilds(o: RunBuildsOptions): Promise<Map<string, BuildResult>> {
  const requests = new Map(o.services.map((n) => [n, buildRequestOf(o.project, n, o.flags, o.onWarning)]));
  const results = new Map<string, BuildResult>();
  const set = new Set(o.services);
  const r = await inDependencyOrder({
    nodes: o.services,
    dependsOn: (n) => buildDependencies(o.project.services[n]!).filter((d) => set.has(d)),
  }, async (n, signal) => {
    const t0 = Date.now();
    o.onService?.({ service: n, state: 'start', ms: 0 });
    try {
      const res = await o.build({
        ...requests.get(n)!, store: o.store,
        ...(signal ? { signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      });
      results.set(n, res);
      o.onService?.({ service: n, state: 'done', result: res, ms: Date.now() - t0 });
    } catch (e) {
      o.onService?.({ service: n, state: 'failed', error: e, ms: Date.now() - t0 });
      throw e;
    }
  }, { concurrency: o.concurrency ?? Math.max(1, Math.min(4, availableParallelism())), ...(o.signal ? { signal: o.signal } : {}) });
  // Builds skipped because one they wait for failed add nothing: that failure is the error.
  if (r.failed.length) throw r.failed[0]!.error;
  if (r.cancelled.length) throw o.signal?.reason ?? new TscError('BUILD_ABORTED', 'Build cancelled');
  return results;
}
