// The one walker (docker compose's InDependencyOrder / InReverseDependencyOrder): start, stop,
// restart and down all run a graph through it; the direction is data.
//
// Each node starts as soon as its own dependencies are done, never level by level, so one slow
// service holds back only what needs it. At most `concurrency` visits run at once (p-limit).
// A node whose visit fails fails its dependents (each reported with the failure that stopped it),
// while unrelated branches run on. An aborted signal starts nothing new; running visits get the
// signal and decide themselves how to stop; whatever never started is reported as cancelled.
import pLimit from 'p-limit';
import { TscError } from '../schema/errors.ts';
import { depsOf, type ServiceGraph } from './graph.ts';
import type { Operation, Plan } from './plan.ts';

export interface WalkGraph {
  nodes: readonly string[];
  /** The nodes that must be done before `id` (in dependency order). */
  dependsOn(id: string): readonly string[];
}

export interface WalkOptions {
  /** Visits running at once; default 8. */
  concurrency?: number;
  signal?: AbortSignal;
  /**
   * What a failure does to the nodes that wait for it: `skip` (default) fails them too;
   * `continue` runs them anyway (for teardown, where stopping what is left matters more).
   */
  onFailure?: 'skip' | 'continue';
}

export interface WalkResult {
  /** Nodes whose visit succeeded, in completion order. */
  done: string[];
  failed: { id: string; error: unknown }[];
  /** Nodes not visited because something they wait for failed. */
  skipped: { id: string; error: DependencyFailedError }[];
  /** Nodes not visited because the signal aborted. */
  cancelled: string[];
}

export type Visit = (id: string, signal: AbortSignal | undefined) => Promise<void> | void;

/** `id` was not run because `dependency` (directly or through others) failed; `cause` is that failure. */
export class DependencyFailedError extends TscError {
  readonly node: string;
  readonly dependency: string;

  constructor(node: string, dependency: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super('DEPENDENCY_FAILED', `${node}: not run because "${dependency}" failed: ${inner}`, { cause });
    this.node = node;
    this.dependency = dependency;
  }
}

export async function inDependencyOrder(graph: WalkGraph, visit: Visit, options: WalkOptions = {}): Promise<WalkResult> {
  const deps = new Map<string, readonly string[]>();
  for (const n of graph.nodes) deps.set(n, graph.dependsOn(n));
  return walk(graph.nodes, deps, visit, options);
}

/** Each node after every node that depends on it (stop, down). */
export async function inReverseDependencyOrder(graph: WalkGraph, visit: Visit, options: WalkOptions = {}): Promise<WalkResult> {
  const deps = new Map<string, string[]>();
  for (const n of graph.nodes) deps.set(n, []);
  for (const n of graph.nodes) {
    for (const d of graph.dependsOn(n)) {
      const l = deps.get(d);
      if (!l) throw unknownNode(n, d);
      l.push(n);
    }
  }
  return walk(graph.nodes, deps, visit, options);
}

export function serviceWalkGraph(g: ServiceGraph): WalkGraph {
  return { nodes: g.services, dependsOn: (id) => depsOf(g, id).map((e) => e.dep) };
}

export function planWalkGraph(plan: Plan): WalkGraph {
  const byId = new Map(plan.operations.map((o) => [o.id, o.dependsOn]));
  return { nodes: plan.operations.map((o) => o.id), dependsOn: (id) => byId.get(id) ?? [] };
}

/**
 * Runs a plan: each operation once its own dependencies are done. Plans from downPlan/stopPlan
 * already point their dependencies the reverse way, so every plan walks forwards.
 */
export async function walkPlan(plan: Plan, visit: (op: Operation, signal: AbortSignal | undefined) => Promise<void> | void, options: WalkOptions = {}): Promise<WalkResult> {
  const byId = new Map(plan.operations.map((o) => [o.id, o]));
  return inDependencyOrder(planWalkGraph(plan), (id, signal) => visit(byId.get(id) as Operation, signal), options);
}

function unknownNode(node: string, dep: string): TscError {
  return new TscError('WALK_GRAPH', `"${node}" depends on "${dep}", which is not in the graph`);
}

type State = 'waiting' | 'queued' | 'done' | 'failed' | 'skipped' | 'cancelled';

function walk(nodes: readonly string[], deps: Map<string, readonly string[]>, visit: Visit, options: WalkOptions): Promise<WalkResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const signal = options.signal;
  const skipOnFailure = (options.onFailure ?? 'skip') === 'skip';

  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) dependents.set(n, []);
  for (const n of nodes) {
    const ds = [...new Set(deps.get(n) ?? [])];
    pending.set(n, ds.length);
    for (const d of ds) {
      const l = dependents.get(d);
      if (!l) throw unknownNode(n, d);
      l.push(n);
    }
  }
  checkAcyclic(nodes, pending, dependents);

  const state = new Map<string, State>();
  for (const n of nodes) state.set(n, 'waiting');
  const result: WalkResult = { done: [], failed: [], skipped: [], cancelled: [] };
  const limit = pLimit(concurrency);

  return new Promise<WalkResult>((resolve) => {
    let outstanding = 0;
    const finish = (): void => {
      if (outstanding > 0) return;
      for (const n of nodes) if (state.get(n) === 'waiting') { state.set(n, 'cancelled'); result.cancelled.push(n); }
      resolve(result);
    };
    const release = (id: string): void => {
      for (const d of dependents.get(id) ?? []) {
        const left = (pending.get(d) as number) - 1;
        pending.set(d, left);
        if (left === 0 && state.get(d) === 'waiting') start(d);
      }
    };
    const skipFrom = (failedId: string, error: unknown): void => {
      const stack = [...(dependents.get(failedId) ?? [])];
      while (stack.length) {
        const n = stack.pop() as string;
        if (state.get(n) !== 'waiting') continue;
        state.set(n, 'skipped');
        result.skipped.push({ id: n, error: new DependencyFailedError(n, failedId, error) });
        stack.push(...(dependents.get(n) ?? []));
      }
    };
    const start = (id: string): void => {
      state.set(id, 'queued');
      outstanding++;
      void limit(async () => {
        if (signal?.aborted) {
          state.set(id, 'cancelled');
          result.cancelled.push(id);
          return;
        }
        try {
          await visit(id, signal);
          state.set(id, 'done');
          result.done.push(id);
          release(id);
        } catch (error) {
          state.set(id, 'failed');
          result.failed.push({ id, error });
          if (skipOnFailure) skipFrom(id, error);
          else release(id);
        }
      }).finally(() => {
        outstanding--;
        finish();
      });
    };
    for (const n of nodes) if (pending.get(n) === 0) start(n);
    finish();
  });
}

/** Kahn's count: a cycle would leave the walk waiting for ever, so refuse it up front. */
function checkAcyclic(nodes: readonly string[], pending: Map<string, number>, dependents: Map<string, string[]>): void {
  const left = new Map(pending);
  const ready = nodes.filter((n) => left.get(n) === 0);
  let seen = 0;
  while (ready.length) {
    const n = ready.pop() as string;
    seen++;
    for (const d of dependents.get(n) ?? []) {
      const l = (left.get(d) as number) - 1;
      left.set(d, l);
      if (l === 0) ready.push(d);
    }
  }
  if (seen !== nodes.length) {
    const stuck = nodes.filter((n) => (left.get(n) as number) > 0).slice(0, 5);
    throw new TscError('WALK_GRAPH', `The graph has a cycle through ${stuck.map((s) => `"${s}"`).join(', ')}`);
  }
}
