// `down` from the journal alone (no stack file needed, no supervisor needed): stop containers in
// reverse dependency order, remove each one's journaled host objects, then networks, then (-v)
// volumes, then the project's cgroup parent. Works on whatever a crash left, because every
// object was journaled before it was created and every undo is idempotent.
import type { ContainerRecord } from '../state/journal.ts';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeState, isEmpty } from '../state/journal.ts';
import { acquireLock } from '../state/lock.ts';
import { paths, rootDir } from '../state/paths.ts';
import type { Ctx } from './context.ts';
import { walkGraph } from './run-graph.ts';
import { removeContainer, stopContainer, isRunning } from './containers.ts';
import { removeNetworks } from './networks.ts';

export interface DownOptions {
  timeoutMs?: number;
  /** Remove named volumes too (`-v`), plus these declared in the stack file. */
  volumes?: boolean;
  declaredVolumes?: { key: string; name: string; external: boolean }[];
  /** Only these containers (ids); default all. `--remove-orphans` passes everything. */
  only?: string[];
  hurry?: AbortSignal;
  concurrency?: number;
}

/** Containers as graph nodes whose edges follow service dependencies (recorded at `up`). */
export function containerGraph(ctx: Ctx, cs: ContainerRecord[]) {
  const deps = ctx.journal.state.serviceDeps ?? {};
  return cs.map((c) => ({
    id: c.id,
    c,
    dependsOn: cs.filter((x) => (deps[c.service] ?? []).includes(x.service)).map((x) => x.id),
  }));
}

/** Stops containers, dependents before their dependencies. */
export async function stopInReverseOrder(ctx: Ctx, cs: ContainerRecord[], o: { timeoutMs?: number; hurry?: AbortSignal; concurrency?: number } = {}): Promise<void> {
  const running = cs.filter((c) => isRunning(ctx, c) || c.desired === 'running');
  await walkGraph(containerGraph(ctx, running), async (n) => {
    const so: Parameters<typeof stopContainer>[2] = {};
    if (o.timeoutMs !== undefined) so.timeoutMs = o.timeoutMs;
    if (o.hurry) so.hurry = o.hurry;
    await stopContainer(ctx, n.c, so);
  }, { reverse: true, keepGoing: true, concurrency: o.concurrency ?? 16 });
}

export async function downProject(ctx: Ctx, o: DownOptions = {}): Promise<void> {
  const all = Object.values(ctx.journal.state.containers).filter((c) => !o.only || o.only.includes(c.id));
  const errors: unknown[] = [];
  const so: { timeoutMs?: number; hurry?: AbortSignal } = {};
  if (o.timeoutMs !== undefined) so.timeoutMs = o.timeoutMs;
  if (o.hurry) so.hurry = o.hurry;
  await stopInReverseOrder(ctx, all, so).catch((e: unknown) => errors.push(e));
  await walkGraph(all.map((c) => ({ id: c.id, c, dependsOn: [] })), (n) => removeContainer(ctx, ctx.journal.container(n.id) ?? n.c), {
    keepGoing: true, concurrency: o.concurrency ?? 16,
  }).catch((e: unknown) => errors.push(e));
  if (!o.only) {
    await removeNetworks(ctx).catch((e: unknown) => errors.push(e));
    if (o.volumes) {
      const vols = new Map(Object.values(ctx.journal.state.volumes).map((v) => [v.name, v]));
      for (const v of o.declaredVolumes ?? []) if (!vols.has(v.name)) vols.set(v.name, v);
      for (const v of vols.values()) {
        if (v.external) continue;
        try {
          ctx.emit({ type: 'volume', action: 'volume-remove', name: v.name });
          await ctx.engine.volumes.remove(v.name);
          ctx.emit({ type: 'volume', action: 'volume-removed', name: v.name });
          ctx.journal.update((s) => { delete s.volumes[v.key]; });
        } catch (e) {
          errors.push(e);
        }
      }
    }
    if (Object.keys(ctx.journal.state.containers).length === 0) {
      try { await ctx.engine.cgroups.removeProject(ctx.project); } catch (e) { errors.push(e); }
    }
    if (isEmpty(ctx.journal.state) && errors.length === 0) {
      // Volumes without -v outlive the state file: they are found again by name from the stack file.
      removeState(ctx.project);
      try { await removeRunDir(ctx.project); } catch (e) { errors.push(e); }
    }
  }
  if (errors.length) throw errors[0];
}

/** Where a finished project's non-empty supervisor.log is kept (the run dir itself goes). */
export function keptSupervisorLog(project: string): string {
  return join(rootDir(), 'logs', `${project}-supervisor.log`);
}

/**
 * Removes `$TSCOMPOSE_RUN/<project>/` once the project has nothing left: state.json is gone, the
 * control socket and the lock file go too. It runs holding the project lock (re-entrantly: the
 * caller holds it) and unlinks the lock file as its very last act: acquireLock only counts a lock
 * on the file that is at the path, so a command that waited on the old file retries on a new one
 * (release first, then unlink, would let us delete the file of a command that locked it in between).
 * A non-empty supervisor.log (the supervisor's own errors: worth keeping after a failure) moves to
 * `$TSCOMPOSE_ROOT/logs/<project>-supervisor.log`.
 */
export async function removeRunDir(project: string): Promise<void> {
  const dir = paths.project(project);
  if (!existsSync(dir)) return;
  const lock = await acquireLock(project, { command: 'down', timeoutMs: 0 });
  try {
    if (existsSync(paths.state(project))) return; // something was created meanwhile: not ours to remove
    const log = join(dir, 'supervisor.log');
    let size = 0;
    try { size = statSync(log).size; } catch { /* none */ }
    if (size > 0) {
      mkdirSync(join(rootDir(), 'logs'), { recursive: true, mode: 0o700 });
      renameSync(log, keptSupervisorLog(project));
    }
    for (const e of readdirSync(dir)) if (e !== 'lock') rmSync(join(dir, e), { recursive: true, force: true });
    rmSync(paths.lock(project), { force: true });
    // ENOTEMPTY/ENOENT: a concurrent command is already setting the project up again.
    try { rmdirSync(dir); } catch { /* kept for it */ }
  } finally {
    lock.release();
  }
}
