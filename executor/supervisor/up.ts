// Runs a Plan: each operation as soon as its own dependencies are done. Before a service's
// containers start, its depends_on conditions are awaited (started / healthy / completed
// successfully), failing fast with the dependency's reason and last log lines. Started containers
// are handed to the supervisor, which is watching them from that moment (healthchecks included,
// which is what service_healthy waits on).
import type { Project } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import { paths } from '../state/paths.ts';
import type { ContainerRecord } from '../state/journal.ts';
import { containerStatus } from '../state/observe.ts';
import type { Ctx } from './context.ts';
import type { PlanLike, PlanOp } from './plan-types.ts';
import { walkGraph } from './run-graph.ts';
import { createContainer, readMeta, removeContainer, startContainer, stopContainer } from './containers.ts';
import { initialHealth } from './health.ts';
import { ensureNetwork } from './networks.ts';
import { conditionState, type DepContainer } from './depends.ts';
import { lastLines } from './logs.ts';
import type { Supervisor } from './supervisor.ts';
import type { ProjectEvent } from './events.ts';

export class DependencyError extends TscError {
  readonly service: string;
  readonly dependency: string;
  constructor(service: string, dependency: string, reason: string, logs: string[]) {
    const tail = logs.length ? `\nlast log lines of ${dependency}:\n${logs.map((l) => `  ${l}`).join('\n')}` : '';
    super('DEPENDENCY', `Service "${service}" cannot start: ${reason}${tail}`, { exitCode: 1 });
    this.service = service;
    this.dependency = dependency;
  }
}

export interface UpOptions {
  hashOf: (service: string) => string;
  concurrency?: number;
  signal?: AbortSignal;
  noStart?: boolean;
  /** Do not wait for depends_on conditions (`--no-deps`). */
  noDeps?: boolean;
  /** Poll interval of dependency waits. */
  pollMs?: number;
  /** Give up waiting on a dependency after this long. */
  depTimeoutMs?: number;
  onWarning?: (msg: string) => void;
  /** `up -t`: grace period for containers the plan stops (recreate, restart, scale down), instead of each service's own. */
  stopTimeoutMs?: number;
}

export async function runPlan(ctx: Ctx, project: Project, plan: PlanLike, sup: Supervisor, o: UpOptions): Promise<void> {
  ctx.journal.update((s) => {
    s.workingDir = project.working_dir;
    s.files = project.files;
    s.serviceDeps = Object.fromEntries(Object.entries(project.services).map(([n, sv]) => [n, Object.keys(sv.depends_on ?? {}).sort()]));
  });
  for (const w of plan.warnings ?? []) o.onWarning?.(w);
  const stopOpts = o.stopTimeoutMs !== undefined ? { timeoutMs: o.stopTimeoutMs } : {};
  const ops = plan.operations;
  // Plans from the planner start containers with separate `start` ops; hand-made ones may not.
  const startOps = new Set(ops.filter((op) => op.type === 'start').map((op) => `${op.service}#${op.number ?? 1}`));
  const waitOf = (op: PlanOp): WaitFor[] => {
    if (o.noDeps) return [];
    if (op.waitFor) return op.waitFor;
    const deps = (op.service && project.services[op.service]?.depends_on) || {};
    return Object.entries(deps).map(([service, d]) => ({ service, condition: d.condition, required: d.required }));
  };
  const start = async (op: PlanOp, c: ContainerRecord) => {
    await waitDependencies(ctx, op.service ?? c.service, waitOf(op), sup, o);
    sup.track(await startContainer(ctx, c));
  };
  await walkGraph(ops, async (op: PlanOp) => {
    const svc = op.service;
    switch (op.type) {
      case 'createNetwork': {
        const key = op.key ?? op.resource;
        if (key && project.networks[key]) await ensureNetwork(ctx, project, key);
        return;
      }
      case 'createVolume': {
        const key = op.key ?? op.resource;
        const decl = key ? project.volumes[key] : undefined;
        if (!key || !decl) return;
        if (!ctx.journal.state.volumes[key]) ctx.journal.update((s) => { s.volumes[key] = { key, name: decl.name, external: decl.external ?? false }; });
        ctx.emit({ type: 'volume', action: 'volume-create', name: decl.name });
        await ctx.engine.volumes.ensure(decl.name, decl, project.name);
        ctx.emit({ type: 'volume', action: 'volume-created', name: decl.name });
        return;
      }
      case 'create':
      case 'recreate': {
        if (!svc) return;
        let number = op.number ?? 1;
        if (op.type === 'recreate') {
          const old = find(ctx, op);
          // Why, for the user (`Container x  Recreate (config changed: environment)`).
          ctx.emit({ type: 'container', action: 'recreate', name: op.resource ?? old?.name ?? svc, service: svc, ...(old ? { id: old.id } : {}), ...(op.cause ? { detail: op.cause } : {}) });
          if (old) {
            number = op.number ?? old.number;
            sup.untrack(old.id);
            await stopContainer(ctx, old, stopOpts);
            await removeContainer(ctx, old);
          }
        }
        const rec = await createContainer(ctx, project, svc, number, { configHash: op.configHash ?? o.hashOf(svc) });
        if (o.noStart || startOps.has(`${svc}#${number}`)) return;
        await start(op, rec);
        return;
      }
      case 'keep': {
        const c = find(ctx, op);
        if (c?.steps.includes('launch') && c.pid) sup.track(c);
        return;
      }
      case 'start':
      case 'restart': {
        const c = find(ctx, op);
        if (!c || o.noStart) return;
        if (op.type === 'restart') {
          ctx.emit({ type: 'container', action: 'restart', name: c.name, service: c.service, id: c.id, ...(op.cause ? { detail: op.cause } : {}) });
          ctx.journal.patchContainer(c.id, { desired: 'stopped' });
          await stopContainer(ctx, c, stopOpts);
        }
        await start(op, ctx.journal.container(c.id) ?? c);
        return;
      }
      case 'stop': {
        const c = find(ctx, op);
        if (c) await stopContainer(ctx, c, stopOpts);
        return;
      }
      case 'remove': {
        const c = find(ctx, op);
        if (!c) return;
        sup.untrack(c.id);
        await stopContainer(ctx, c, stopOpts);
        await removeContainer(ctx, c);
        return;
      }
      case 'removeNetwork':
      case 'removeVolume':
        return; // `down` removes these from the journal (down.ts)
      default:
        o.onWarning?.(`Skipping unknown plan operation "${op.type}" (${op.id})`);
    }
  }, { concurrency: o.concurrency ?? 32, ...(o.signal ? { signal: o.signal } : {}) });
}

type WaitFor = NonNullable<PlanOp['waitFor']>[number];

/** The container an op acts on: by id, else by name, else the service's replica number (after a recreate). */
function find(ctx: Ctx, op: PlanOp): ContainerRecord | undefined {
  const all = Object.values(ctx.journal.state.containers);
  return (op.containerId ? all.find((c) => c.id === op.containerId) : undefined)
    ?? (op.resource ? all.find((c) => c.name === op.resource && !c.oneOff) : undefined)
    ?? all.find((c) => c.service === op.service && c.number === (op.number ?? 1) && !c.oneOff);
}

/** What the dependency's containers are doing now, as depends.ts reads it. */
export function depContainers(ctx: Ctx, service: string, sup: Supervisor): DepContainer[] {
  return Object.values(ctx.journal.state.containers)
    .filter((c) => c.service === service && !c.oneOff)
    .map((c) => {
      const exit = sup.lastExit(c.id) ?? (c.pid ? ctx.engine.runtime.readExit(paths.container(c.id)) : undefined);
      const d: DepContainer = { name: c.name, status: containerStatus(c, { proc: ctx.proc, readExit: () => exit }) };
      // A container with a healthcheck that has no result yet is "starting", not "without healthcheck".
      const h = sup.health(c.id) ?? (readMeta(c.id).health ? initialHealth() : undefined);
      if (h) d.health = h;
      if (exit) d.exit = exit;
      if (sup.willRestart(c.id)) d.willRestart = true;
      return d;
    });
}

export async function waitDependencies(ctx: Ctx, service: string, waits: WaitFor[], sup: Supervisor, o: UpOptions): Promise<void> {
  const clock = ctx.engine.clock;
  const started = clock.now();
  await Promise.all(waits.map(async (d) => {
    const dep = d.service;
    let announced = false;
    let lastDetail = '';
    for (;;) {
      const cs = depContainers(ctx, dep, sup);
      const st = conditionState(dep, d.condition, cs);
      // Compose names the dependency's containers in these lines, not the service.
      const each = (e: Omit<ProjectEvent, 'time' | 'name' | 'type'>) => {
        for (const c of cs.length ? cs : [{ name: dep }]) ctx.emit({ type: 'container', name: c.name, ...e });
      };
      if (st.state === 'met') {
        if (announced) each({ action: 'healthy', service: dep, detail: d.condition });
        return;
      }
      if (st.state === 'failed') {
        if (!d.required) {
          o.onWarning?.(`Optional dependency "${dep}" of "${service}" failed: ${st.reason}`);
          return;
        }
        const c = Object.values(ctx.journal.state.containers).find((x) => x.service === dep);
        throw new DependencyError(service, dep, st.reason, c ? lastLines(paths.container(c.id), 10) : []);
      }
      if (!announced || st.detail !== lastDetail) {
        each({ action: 'waiting', service: dep, detail: st.detail });
        announced = true;
        lastDetail = st.detail;
      }
      if (o.depTimeoutMs !== undefined && clock.now() - started > o.depTimeoutMs) {
        throw new DependencyError(service, dep, `timed out: ${st.detail}`, []);
      }
      await clock.sleep(o.pollMs ?? 100, o.signal);
    }
  }));
}
