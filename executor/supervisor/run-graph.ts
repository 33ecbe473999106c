// Runs a DAG of operations, each as soon as its own dependencies are done (ARCHITECTURE.md
// "Lifecycle": a slow service never holds back unrelated ones), with bounded concurrency.
// On the first failure no new operation starts; running ones finish; the first error is thrown.
// Same contract as planner/walk.ts `inDependencyOrder`; the supervisor uses this one until that
// lands, and `reverse` gives `inReverseDependencyOrder` (stop/down).
import { TscError } from '../../schema/errors.ts';

export interface GraphNode {
  id: string;
  dependsOn: string[];
}

export interface WalkOptions {
  concurrency?: number;
  signal?: AbortSignal;
  reverse?: boolean;
  /** Keep going after a failure (down: remove what can be removed). Errors are still thrown at the end. */
  keepGoing?: boolean;
}

export class GraphError extends TscError {
  readonly errors: unknown[];
  constructor(errors: unknown[]) {
    const first = errors[0];
    super('GRAPH', first instanceof Error ? first.message : String(first), { cause: first });
    this.errors = errors;
  }
}

export async function walkGraph<N extends GraphNode>(nodes: N[], visit: (n: N) => Promise<void>, opts: WalkOptions = {}): Promise<void> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // deps[x] = what must finish before x starts.
  const deps = new Map<string, Set<string>>(nodes.map((n) => [n.id, new Set<string>()]));
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      if (!byId.has(d)) continue; // a dependency outside this graph is already satisfied
      if (opts.reverse) deps.get(d)!.add(n.id);
      else deps.get(n.id)!.add(d);
    }
  }
  const limit = Math.max(1, opts.concurrency ?? 8);
  const done = new Set<string>();
  const started = new Set<string>();
  const errors: unknown[] = [];
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (errors.length) {
        reject(errors.length === 1 && errors[0] instanceof TscError ? errors[0] : new GraphError(errors));
      } else resolve();
    };
    const pump = () => {
      const stopping = (errors.length > 0 && !opts.keepGoing) || opts.signal?.aborted;
      if (!stopping) {
        for (const n of nodes) {
          if (running >= limit) break;
          if (started.has(n.id)) continue;
          if (![...deps.get(n.id)!].every((d) => done.has(d))) continue;
          started.add(n.id);
          running++;
          visit(n).then(
            () => { done.add(n.id); },
            (e: unknown) => { errors.push(e); if (opts.keepGoing) done.add(n.id); },
          ).finally(() => { running--; pump(); });
        }
      }
      if (running === 0) {
        if (opts.signal?.aborted && !errors.length) errors.push(opts.signal.reason ?? new TscError('ABORTED', 'Aborted'));
        const stuck = !stopping && started.size < nodes.length;
        if (stuck) errors.push(new TscError('GRAPH', `Dependency cycle among: ${nodes.filter((n) => !started.has(n.id)).map((n) => n.id).join(', ')}`));
        finish();
      }
    };
    pump();
  });
}
