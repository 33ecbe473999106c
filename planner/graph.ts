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
  /** Index of `dep` in ServiceGraph.services (set once the dependency is known to exist). */
  to: number;
  /** Shared between edges until a merge adds a kind (then the edge gets its own copy): never mutate. */
  kinds: readonly EdgeKind[];
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

/**
 * Services are numbered by their position in the sorted name list, and the graph is arrays indexed
 * by that number: the planner walks it once per service, and array slots cost less than looking
 * names up in maps of thousands of entries.
 */
export interface ServiceGraph {
  /** Service names, sorted: a service's index is its position here. */
  services: string[];
  /** name → index. */
  index: Map<string, number>;
  /** By index: the services it needs, sorted by name. */
  deps: DepEdge[][];
  /** By index: the indexes of the services that need it, ascending (so sorted by name). Read-only. */
  dependents: number[][];
  /** Every service index after all of its dependencies; ties broken by name so plans are stable. */
  order: number[];
  external: ExternalRef[];
}

/** The edges of a service by name (empty for an unknown name). */
export function depsOf(graph: ServiceGraph, name: string): DepEdge[] {
  const i = graph.index.get(name);
  return i === undefined ? [] : (graph.deps[i] as DepEdge[]);
}

/** Service names in dependency order. */
export function orderNames(graph: ServiceGraph): string[] {
  return graph.order.map((i) => graph.services[i] as string);
}

const NAMESPACE_KEYS = ['network_mode', 'ipc', 'pid'] as const;

/** One kind list per kind, shared by every single-kind edge (most of them): see DepEdge.kinds. */
const SINGLE_KIND: Record<EdgeKind, readonly EdgeKind[]> = {
  depends_on: ['depends_on'],
  links: ['links'],
  network_mode: ['network_mode'],
  ipc: ['ipc'],
  pid: ['pid'],
  volumes_from: ['volumes_from'],
};

function implicitEdge(dep: string, source: EdgeKind, index: number): DepEdge {
  return { dep, to: -1, kinds: SINGLE_KIND[source], condition: 'service_started', required: true, restart: false, source, index };
}

/** Edges of one service, before they are checked against the project; `container:` forms go to `external`. */
function rawEdges(name: string, s: Service, external: ExternalRef[]): DepEdge[] {
  const edges: DepEdge[] = [];
  let i = 0;
  const dependsOn = s.depends_on;
  for (const dep in dependsOn) {
    const d = dependsOn[dep] as Service['depends_on'][string];
    // Normalization keeps the list order of the short form, so the index finds `depends_on[i]`.
    edges.push({ dep, to: -1, kinds: SINGLE_KIND.depends_on, condition: d.condition, required: d.required, restart: d.restart === true, source: 'depends_on', index: i++ });
  }
  const links = s.links;
  for (let j = 0; links && j < links.length; j++) {
    // `service` or `service:alias`
    const l = links[j] as string;
    const colon = l.indexOf(':');
    edges.push(implicitEdge(colon < 0 ? l : l.slice(0, colon), 'links', j));
  }
  for (const kind of NAMESPACE_KEYS) {
    const v = s[kind];
    if (!v) continue;
    if (v.startsWith('service:')) {
      edges.push(implicitEdge(v.slice('service:'.length), kind, 0));
    } else if (v.startsWith('container:')) {
      external.push({ service: name, kind, container: v.slice('container:'.length), keyPath: `services.${name}.${kind}` });
    }
  }
  const volumesFrom = s.volumes_from;
  for (let j = 0; volumesFrom && j < volumesFrom.length; j++) {
    // `service[:ro|rw]` or `container:name[:ro|rw]`
    const v = volumesFrom[j] as string;
    if (v.startsWith('container:')) {
      external.push({ service: name, kind: 'volumes_from', container: v.slice('container:'.length).split(':')[0] ?? '', keyPath: `services.${name}.volumes_from[${j}]` });
    } else {
      edges.push(implicitEdge(v.split(':')[0] ?? v, 'volumes_from', j));
    }
  }
  return edges;
}

const CONDITION_STRENGTH: Record<DependsOnCondition, number> = {
  service_started: 0,
  service_healthy: 1,
  service_completed_successfully: 2,
};

/** Merges `e` into `had`, an edge to the same dependency from another key. */
function merge(had: DepEdge, e: DepEdge): void {
  for (const k of e.kinds) if (!had.kinds.includes(k)) had.kinds = [...had.kinds, k];
  // A depends_on condition is stricter than the implicit "started" of links/network_mode: keep the strictest.
  if (CONDITION_STRENGTH[e.condition] > CONDITION_STRENGTH[had.condition]) had.condition = e.condition;
  had.required ||= e.required;
  had.restart ||= e.restart;
}

/** Graphs the loader built (keepServiceGraph), by the Project they belong to. */
const kept = new WeakMap<Project, ServiceGraph>();

/**
 * For the loader (schema/load.ts): builds the graph, which reports cycles and bad dependencies at
 * load time, and keeps it for the planner of the same command, so `up` builds it once (~10 ms at
 * 10k services). Keyed by the Project object: nothing changes a loaded project in place (`--pull`
 * and pulls make new objects, which get their own graph); the graph is read-only for its users.
 */
export function keepServiceGraph(project: Project): void {
  kept.set(project, buildServiceGraph(project));
}

/** The planner's entry: the graph the loader kept for this very object, else a new one. */
export function serviceGraphOf(project: Project): ServiceGraph {
  return kept.get(project) ?? buildServiceGraph(project);
}

/** Shared by every service nothing depends on; never pushed to (see buildServiceGraph). */
const NO_DEPENDENTS: number[] = Object.freeze([]) as unknown as number[];

export function buildServiceGraph(project: Project): ServiceGraph {
  const services = Object.keys(project.services).sort();
  const n = services.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(services[i] as string, i);
  const problems: StackFileProblem[] = [];
  const deps: DepEdge[][] = [];
  const dependents: number[][] = [];
  const external: ExternalRef[] = [];
  for (let i = 0; i < n; i++) dependents.push(NO_DEPENDENTS);

  for (let i = 0; i < n; i++) {
    const name = services[i] as string;
    // Resolved, merged and compacted in place: the raw list becomes the service's edge list.
    const edges = rawEdges(name, project.services[name] as Service, external);
    let kept = 0;
    for (const e of edges) {
      const to = index.get(e.dep);
      if (to === undefined) {
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
      e.to = to;
      let had: DepEdge | undefined;
      for (let k = 0; k < kept && !had; k++) if ((edges[k] as DepEdge).to === to) had = edges[k];
      if (had) merge(had, e);
      else edges[kept++] = e;
    }
    edges.length = kept;
    sortByTarget(edges);
    deps.push(edges);
    for (const e of edges) {
      let d = dependents[e.to] as number[];
      if (d === NO_DEPENDENTS) dependents[e.to] = d = [];
      // Filled in ascending i, so each list is sorted.
      d.push(i);
    }
  }
  if (problems.length) throw new StackFileError(problems);

  const order = topoOrder(services, deps, project);
  return { services, index, deps, dependents, order, external };
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

/** By dependency index, i.e. by name. Insertion sort: edge lists are short. */
function sortByTarget(edges: DepEdge[]): void {
  for (let i = 1; i < edges.length; i++) {
    const e = edges[i] as DepEdge;
    let j = i - 1;
    while (j >= 0 && (edges[j] as DepEdge).to > e.to) {
      edges[j + 1] = edges[j] as DepEdge;
      j--;
    }
    edges[j + 1] = e;
  }
}

/**
 * Depth-first post-order from each service in name order: deterministic, linear, and the DFS stack
 * is the cycle when a back edge is found, so the error can show all of it (`web → api → db → web`).
 * Iterative, because a generated stack can be deeper than the JS call stack.
 */
function topoOrder(services: string[], deps: DepEdge[][], project: Project): number[] {
  const n = services.length;
  const WHITE = 0, GRAY = 1, BLACK = 2;
  const color = new Uint8Array(n);
  // The DFS stack: node, and the position of the next edge to follow from it.
  const node = new Int32Array(n);
  const next = new Int32Array(n);
  const order: number[] = [];
  for (let root = 0; root < n; root++) {
    if (color[root] !== WHITE) continue;
    let top = 0;
    node[0] = root;
    next[0] = 0;
    color[root] = GRAY;
    while (top >= 0) {
      const v = node[top] as number;
      const edges = deps[v] as DepEdge[];
      const k = next[top] as number;
      if (k < edges.length) {
        next[top] = k + 1;
        const to = (edges[k] as DepEdge).to;
        const c = color[to];
        if (c === WHITE) {
          color[to] = GRAY;
          top++;
          node[top] = to;
          next[top] = 0;
        } else if (c === GRAY) {
          const path = Array.from(node.subarray(0, top + 1), (x) => services[x] as string);
          throw cycleError(path, services[to] as string, services, deps, project);
        }
      } else {
        color[v] = BLACK;
        order.push(v);
        top--;
      }
    }
  }
  return order;
}

function cycleError(path: string[], back: string, services: string[], deps: DepEdge[][], project: Project): StackFileError {
  const cycle = path.slice(path.indexOf(back));
  cycle.push(back);
  const first = cycle[0] as string;
  const edge = (deps[services.indexOf(first)] ?? []).find((e) => e.dep === cycle[1]);
  const keyPath = edge ? edgeKeyPath(first, edge) : `services.${first}`;
  return StackFileError.one({
    keyPath,
    origin: edge ? edgeOrigin(project, first, edge) : originOf(project, keyPath),
    message: `dependency cycle: ${cycle.join(' → ')}`,
  });
}

/** The indexes of the services `selected` need, transitively, selection included; ascending (by name). */
export function withDependencies(graph: ServiceGraph, selected: string[]): number[] {
  const seen = new Uint8Array(graph.services.length);
  const stack: number[] = [];
  for (const name of selected) {
    const i = graph.index.get(name);
    if (i !== undefined) stack.push(i);
  }
  while (stack.length) {
    const i = stack.pop() as number;
    if (seen[i]) continue;
    seen[i] = 1;
    for (const e of graph.deps[i] as DepEdge[]) stack.push(e.to);
  }
  const out: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
  return out;
}
