// `down` from the journal alone (no stack file needed, no supervisor needed): stop containers in
// reverse dependency order, remove each one's journaled host objects, then networks, then (-v)
// volumes, then the project's cgroup parent. Works on whatever a crash left, because every
// object was journaled before it was created and every undo is idempotent.
import type { ContainerRecord } from '../state/journal.ts';
import { removeState, isEmpty } from '../state/journal.ts';
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
    }
  }
  if (errors.length) throw errors[0];
}
