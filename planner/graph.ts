// The service graph: which service must exist (and be started, healthy, or completed) before which.
// Edges come from every key that makes one container need another: depends_on (any condition),
// links, network_mode/ipc/pid `service:X` (joins X's namespace, so X must exist first) and
// volumes_from (mounts X's volumes). `container:NAME` forms point outside the project: they are
// not edges, but are recorded so the executor can check at run time that the container exists.
//
// Every problem is collected and thrown as one StackFileError, positioned by project.origins.
import type { DependsOnCondition, Project, Service } from '../schema/model.ts';
import { StackFileError, type StackFileProblem } from '../schema/errors.ts';
import { originOf } from './locate.ts';

export type EdgeKind = 'depends_on' | 'links' | 'network_mode' | 'ipc' | 'pid' | 'volumes_from';

/** `service` needs `dep`. Several keys naming the same dependency are merged into one edge. */
export interface DepEdge {
  dep: string;
  kinds: EdgeKind[];
  /** From depends_on; `service_started` for edges from other keys. */
  condition: DependsOnCondition;
  required: boolean;
  /** depends_on.<dep>.restart: restart this service when `dep` is recreated. */
  restart: boolean;
  /** The key that first created this edge, and its index in that key's list (for messages: see edgeKeyPath). */
  source: EdgeKind;
  index: number;
}

/** A reference to a container outside the project (`network_mode: container:x`, `volumes_from: [container:x]`). */
export interface ExternalRef {
  service: string;
  kind: 'network_mode' | 'ipc' | 'pid' | 'volumes_from';
  container: string;
  keyPath: string;
}

export interface ServiceGraph {
  /** Service names, sorted. */
  services: string[];
  /** service → the services it needs (sorted by name). */
  deps: Map<string, DepEdge[]>;
  /** service → the services that need it (sorted by name). */
  dependents: Map<string, string[]>;
  /** Every service after all of its dependencies; ties broken by name so plans are stable. */
  order: string[];
  external: ExternalRef[];
}

const NAMESPACE_KEYS = ['network_mode', 'ipc', 'pid'] as const;

/** Edges of one service, before they are checked against the project; `container:` forms go to `external`. */
function rawEdges(name: string, s: Service, external: ExternalRef[]): DepEdge[] {
  const edges: DepEdge[] = [];
  let i = 0;
  const dependsOn = s.depends_on ?? {};
  for (const dep in dependsOn) {
    const d = dependsOn[dep] as Service['depends_on'][string];
    // Normalization keeps the list order of the short form, so the index finds `depends_on[i]`.
    edges.push({ dep, kinds: ['depends_on'], condition: d.condition, required: d.required, restart: d.restart === true, source: 'depends_on', index: i++ });
  }
  const links = s.links ?? [];
  for (let j = 0; j < links.length; j++) {
    // `service` or `service:alias`
    const l = links[j] as string;
    const colon = l.indexOf(':');
    edges.push({ dep: colon < 0 ? l : l.slice(0, colon), kinds: ['links'], condition: 'service_started', required: true, restart: false, source: 'links', index: j });
  }
  for (const kind of NAMESPACE_KEYS) {
    const v = s[kind];
    if (!v) continue;
    if (v.startsWith('service:')) {
      edges.push({ dep: v.slice('service:'.length), kinds: [kind], condition: 'service_started', required: true, restart: false, source: kind, index: 0 });
    } else if (v.startsWith('container:')) {
      external.push({ service: name, kind, container: v.slice('container:'.length), keyPath: `services.${name}.${kind}` });
    }
  }
  const volumesFrom = s.volumes_from ?? [];
  for (let j = 0; j < volumesFrom.length; j++) {
    // `service[:ro|rw]` or `container:name[:ro|rw]`
    const v = volumesFrom[j] as string;
    if (v.startsWith('container:')) {
      external.push({ service: name, kind: 'volumes_from', container: v.slice('container:'.length).split(':')[0] ?? '', keyPath: `services.${name}.volumes_from[${j}]` });
    } else {
      edges.push({ dep: v.split(':')[0] ?? v, kinds: ['volumes_from'], condition: 'service_started', required: true, restart: false, source: 'volumes_from', index: j });
    }
  }
  return edges;
}

const CONDITION_STRENGTH: Record<DependsOnCondition, number> = {
  service_started: 0,
  service_healthy: 1,
  service_completed_successfully: 2,
};

/** Adds `e` to `edges`, merged into an edge to the same dependency if there is one (lists are short). */
function mergeInto(edges: DepEdge[], e: DepEdge): void {
  const had = edges.find((x) => x.dep === e.dep);
  if (!had) {
    // rawEdges made `e` fresh for this call: no copy needed.
    edges.push(e);
    return;
  }
  for (const k of e.kinds) if (!had.kinds.includes(k)) had.kinds.push(k);
  // A depends_on condition is stricter than the implicit "started" of links/network_mode: keep the strictest.
  if (CONDITION_STRENGTH[e.condition] > CONDITION_STRENGTH[had.condition]) had.condition = e.condition;
  had.required ||= e.required;
  had.restart ||= e.restart;
}

export function buildServiceGraph(project: Project): ServiceGraph {
  const services = Object.keys(project.services).sort();
  const problems: StackFileProblem[] = [];
  const deps = new Map<string, DepEdge[]>();
  const dependents = new Map<string, string[]>();
  const external: ExternalRef[] = [];
  for (const name of services) dependents.set(name, []);

  for (const name of services) {
    const edges: DepEdge[] = [];
    for (const e of rawEdges(name, project.services[name] as Service, external)) {
      if (!Object.hasOwn(project.services, e.dep)) {
        const disabled = Object.hasOwn(project.disabled_services, e.dep);
        // compose: an optional dependency (required: false) on a service switched off by profiles is skipped.
        if (disabled && !e.required) continue;
        problems.push({
          keyPath: edgeKeyPath(name, e),
          origin: edgeOrigin(project, name, e),
          message: disabled
            ? `service "${name}" depends on service "${e.dep}", which is disabled by its profiles`
            : `service "${name}" depends on undefined service "${e.dep}"`,
          ...(disabled ? { hint: 'enable one of its profiles with --profile, or set required: false' } : {}),
        });
        continue;
      }
      mergeInto(edges, e);
    }
    sortByDep(edges);
    deps.set(name, edges);
    for (const e of edges) (dependents.get(e.dep) as string[]).push(name);
  }
  if (problems.length) throw new StackFileError(problems);
  // dependents were filled in sorted service order, so each list is already sorted.

  const order = topoOrder(services, deps, project);
  return { services, deps, dependents, order, external };
}

/** The key path of the value that made an edge (`services.web.depends_on.db`, `services.web.links[0]`). */
export function edgeKeyPath(service: string, e: DepEdge): string {
  const base = `services.${service}.${e.source}`;
  if (e.source === 'depends_on') return `${base}.${e.dep}`;
  return e.source === 'links' || e.source === 'volumes_from' ? `${base}[${e.index}]` : base;
}

function edgeOrigin(project: Project, service: string, e: DepEdge): ReturnType<typeof originOf> {
  const keyPath = edgeKeyPath(service, e);
  // The short form of depends_on (`[db, cache]`) is located by list position: normalization keeps the order.
  const short = e.source === 'depends_on' ? project.origins.get(`services.${service}.depends_on[${e.index}]`) : undefined;
  return project.origins.get(keyPath) ?? short ?? originOf(project, keyPath);
}

/** Insertion sort: edge lists are short, and Array.prototype.sort allocates a work area each call. */
function sortByDep(edges: DepEdge[]): void {
  for (let i = 1; i < edges.length; i++) {
    const e = edges[i] as DepEdge;
    let j = i - 1;
    while (j >= 0 && (edges[j] as DepEdge).dep > e.dep) {
      edges[j + 1] = edges[j] as DepEdge;
      j--;
    }
    edges[j + 1] = e;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Depth-first post-order over sorted names: deterministic, linear, and the DFS stack is the cycle
 * when a back edge is found, so the error can show all of it (`web → api → db → web`).
 * Iterative, because a generated stack can be deeper than the JS call stack.
 */
function topoOrder(services: string[], deps: Map<string, DepEdge[]>, project: Project): string[] {
  const WHITE = 0, GRAY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const order: string[] = [];
  for (const root of services) {
    if (color.get(root)) continue;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    color.set(root, GRAY);
    while (stack.length) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const edges = deps.get(top.name) ?? [];
      if (top.next < edges.length) {
        const e = edges[top.next++] as DepEdge;
        const c = color.get(e.dep) ?? WHITE;
        if (c === WHITE) {
          color.set(e.dep, GRAY);
          stack.push({ name: e.dep, next: 0 });
        } else if (c === GRAY) {
          throw cycleError(stack.map((f) => f.name), e.dep, deps, project);
        }
      } else {
        color.set(top.name, BLACK);
        order.push(top.name);
        stack.pop();
      }
    }
  }
  return order;
}

function cycleError(path: string[], back: string, deps: Map<string, DepEdge[]>, project: Project): StackFileError {
  const cycle = path.slice(path.indexOf(back));
  cycle.push(back);
  const first = cycle[0] as string;
  const edge = (deps.get(first) ?? []).find((e) => e.dep === cycle[1]);
  const keyPath = edge ? edgeKeyPath(first, edge) : `services.${first}`;
  return StackFileError.one({
    keyPath,
    origin: edge ? edgeOrigin(project, first, edge) : originOf(project, keyPath),
    message: `dependency cycle: ${cycle.join(' → ')}`,
  });
}

/** The services `selected` need, transitively, selection included; sorted. */
export function withDependencies(graph: ServiceGraph, selected: string[]): string[] {
  const seen = new Set<string>();
  const stack = [...selected];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of graph.deps.get(n) ?? []) stack.push(e.dep);
  }
  return [...seen].sort(cmp);
}
