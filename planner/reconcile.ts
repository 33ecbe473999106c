// reconcile: Project + observed containers → the operations that make the host match the project
// (docker compose's convergence, as if `up` ran twice: the second run keeps everything).
//
// Per service, in dependency order:
//   - the lowest-numbered existing containers are kept up to the wanted count; the rest are removed,
//     highest numbers first (scale down); missing ones are created with the smallest free numbers;
//   - a kept container is recreated when its config hash differs (or by --force-recreate /
//     --always-recreate-deps), or when a service whose namespace or volumes it shares was recreated
//     (it still points at the old container);
//   - otherwise it is kept, started if stopped, and restarted when a dependency declared with
//     `depends_on.<dep>.restart: true` was recreated or restarted.
// Each container's first operation waits for the networks and volumes it uses and for the final
// operation of every container of each service it depends on; nothing waits for anything else.
import type { Project, Service } from '../schema/model.ts';
import { UsageError } from '../schema/errors.ts';
import { buildServiceGraph, withDependencies, type DepEdge } from './graph.ts';
import { changedKeys, configHash, configKeyHashes, hashVersion, HASH_VERSION } from './hash.ts';
import { checkReplicas, checkScale, checkSelection, containerName, replicasOf, serviceNetworks, serviceVolumes } from './resources.ts';
import type { Observed, ObservedContainer, Operation, Plan, PlanOptions, WaitFor } from './plan.ts';

type Policy = 'force' | 'never' | 'diverged';

/** Edges that make a container hold on to its dependency's container itself, not just its start order. */
const SHARES = new Set(['network_mode', 'ipc', 'pid', 'volumes_from']);

export function reconcile(project: Project, observed: Observed, options: PlanOptions): Plan {
  if (options.forceRecreate && options.noRecreate) throw new UsageError('--force-recreate and --no-recreate cannot be combined');
  if (options.alwaysRecreateDeps && options.noRecreate) throw new UsageError('--always-recreate-deps and --no-recreate cannot be combined');
  const graph = buildServiceGraph(project);
  const selected = options.services?.length ? [...new Set(options.services)].sort() : graph.services;
  checkSelection(project, selected);
  checkScale(project, options.scale);
  const inPlan = new Set(options.noDeps || selected === graph.services ? selected : withDependencies(graph, selected));
  const isSelected = new Set(selected);

  const ops: Operation[] = [];
  const warnings: string[] = [];
  const byService = groupByService(observed.containers);

  // Orphans: containers of services gone from the stack file. Services switched off by profiles are
  // not orphans (compose keeps them), they are only out of this run.
  const orphans = [...byService.entries()]
    .filter(([svc]) => !Object.hasOwn(project.services, svc) && !Object.hasOwn(project.disabled_services, svc))
    .flatMap(([, cs]) => cs);
  if (orphans.length && options.removeOrphans) {
    for (const c of orphans) {
      ops.push({ id: `remove:${c.name}`, type: 'remove', kind: 'container', resource: c.name, service: c.service, number: c.number, containerId: c.id, cause: `orphan: service "${c.service}" is not in the stack file`, dependsOn: [] });
    }
  } else if (orphans.length) {
    warnings.push(`Found orphan containers (${orphans.map((c) => c.name).join(', ')}) for this project. If you removed or renamed their services in the stack file, run this command with --remove-orphans to clean them up`);
  }

  const uses = new Map<string, { networks: string[]; volumes: string[] }>();
  for (const name of inPlan) {
    const s = project.services[name] as Service;
    uses.set(name, { networks: serviceNetworks(project, s), volumes: serviceVolumes(project, s) });
  }
  const networkOps = ensureOps(project, observed.networks, uses, 'network', ops);
  const volumeOps = ensureOps(project, observed.volumes, uses, 'volume', ops);

  /** service → the operations that leave each of its containers in its final state. */
  const terminal = new Map<string, Operation[]>();
  const all = selected === graph.services && !options.noDeps;
  /** Services whose containers this plan recreates or restarts (dependents with restart: true follow). */
  const changed = new Set<string>();
  const recreated = new Set<string>();

  for (const name of graph.order) {
    if (!inPlan.has(name)) continue;
    const s = project.services[name] as Service;
    const deps = graph.deps.get(name) ?? [];
    const edges = all ? deps : deps.filter((e) => inPlan.has(e.dep));
    const replicas = replicasOf(name, s, options.scale);
    checkReplicas(project, name, s, replicas);
    const policy: Policy = isSelected.has(name)
      ? options.forceRecreate ? 'force' : options.noRecreate ? 'never' : 'diverged'
      : options.alwaysRecreateDeps ? 'force' : options.noRecreate ? 'never' : 'diverged';
    const forcedBy = isSelected.has(name) ? '--force-recreate' : '--always-recreate-deps';

    // Shared by this service's first operations; operations are read-only once planned.
    const first: string[] = [];
    const use = uses.get(name) as { networks: string[]; volumes: string[] };
    for (const k of use.networks) { const id = networkOps.get(k); if (id) first.push(id); }
    for (const k of use.volumes) { const id = volumeOps.get(k); if (id) first.push(id); }
    for (const o of uniqueTerminals(edges, terminal)) first.push(o.id);
    const waitFor: WaitFor[] = edges
      .filter((e) => e.kinds.includes('depends_on'))
      .map((e) => ({ service: e.dep, condition: e.condition, required: e.required }));
    const sharedRecreated = edges.find((e) => recreated.has(e.dep) && e.kinds.some((k) => SHARES.has(k)));
    const restartBecause = edges.find((e) => e.restart && changed.has(e.dep));

    const hash = configHash(s, options.imageDigests?.[name] ? { imageDigest: options.imageDigests[name] } : {});
    const existing = byService.get(name) ?? [];
    const keepers = existing.slice(0, replicas);
    const extra = existing.slice(replicas);
    const finals: Operation[] = [];
    const mk = (type: Operation['type'], resource: string, number: number, containerId: string | undefined, cause: string, dependsOn: string[]): Operation =>
      containerOp(type, name, resource, number, containerId, cause, dependsOn, waitFor);

    // Scale down: highest numbers first, one after the other, so the survivors are always the lowest.
    let prev: string | undefined;
    for (let i = extra.length - 1; i >= 0; i--) {
      const c = extra[i] as ObservedContainer;
      const o = mk('remove', c.name, c.number, c.id, `scale down: ${existing.length} → ${replicas}`, prev ? [prev] : []);
      ops.push(o);
      prev = o.id;
    }

    for (const c of keepers) {
      const diff = c.configHash === hash ? undefined : describeChange(c, s, options.imageDigests?.[name]);
      let recreateCause: string | undefined;
      if (policy === 'force') recreateCause = `forced (${forcedBy})`;
      else if (policy === 'diverged' && diff) recreateCause = diff;
      else if (policy === 'diverged' && sharedRecreated) recreateCause = `shares ${sharedKinds(sharedRecreated)} of "${sharedRecreated.dep}", which is recreated`;

      if (recreateCause) {
        // Named after what it becomes: a changed container_name renames it (the old one is found by id).
        const target = containerName(project, name, s, c.number);
        const r = mk('recreate', target, c.number, c.id, recreateCause, first);
        r.configHash = hash;
        ops.push(r);
        recreated.add(name);
        changed.add(name);
        if (options.noStart) { finals.push(r); continue; }
        const st = mk('start', target, c.number, undefined, 'recreated', [r.id]);
        ops.push(st);
        finals.push(st);
        continue;
      }
      const note = diff ? `; ${diff}, not recreated (--no-recreate)` : '';
      const up = c.status === 'running' || c.status === 'paused';
      let op: Operation;
      if (!up && !options.noStart) {
        op = mk('start', c.name, c.number, c.id, `${c.status === 'created' ? 'created, never started' : c.status}${note}`, first);
      } else if (up && restartBecause && !options.noStart) {
        op = mk('restart', c.name, c.number, c.id, `dependency "${restartBecause.dep}" changed (depends_on.${restartBecause.dep}.restart: true)${note}`, first);
        changed.add(name);
      } else {
        const state = up ? (c.status === 'paused' ? 'up to date (paused)' : 'up to date') : `${c.status} (--no-start)`;
        op = mk('keep', c.name, c.number, c.id, diff ? `${state.replace('up to date', 'running')}${note}` : state, first);
      }
      ops.push(op);
      finals.push(op);
    }

    // Scale up with the smallest numbers no existing container of the service uses.
    const used = new Set<number>();
    for (const c of existing) used.add(c.number);
    let n = 1;
    for (let i = keepers.length; i < replicas; i++) {
      while (used.has(n)) n++;
      used.add(n);
      const cname = containerName(project, name, s, n);
      const cr = mk('create', cname, n, undefined, existing.length ? `scale up: ${keepers.length} → ${replicas}` : 'new service', first);
      cr.configHash = hash;
      ops.push(cr);
      if (options.noStart) { finals.push(cr); continue; }
      const st = mk('start', cname, n, undefined, 'new container', [cr.id]);
      ops.push(st);
      finals.push(st);
    }

    // A service with no containers (scale 0) passes its own dependencies through, so its dependents
    // still start after them.
    terminal.set(name, finals.length ? finals : uniqueTerminals(edges, terminal));
  }

  return { project: project.name, operations: ops, warnings, external: graph.external.filter((x) => inPlan.has(x.service)) };
}

/**
 * The terminal operations of each dependency, once each (two dependencies share some only through
 * services scaled to zero). Compared by identity: no string comparison on the hot path.
 */
function uniqueTerminals(edges: DepEdge[], terminal: Map<string, Operation[]>): Operation[] {
  if (edges.length === 1) return terminal.get((edges[0] as DepEdge).dep) ?? [];
  let total = 0;
  for (const e of edges) total += terminal.get(e.dep)?.length ?? 0;
  if (total > 32) return [...new Set(edges.flatMap((e) => terminal.get(e.dep) ?? []))];
  const out: Operation[] = [];
  for (const e of edges) for (const o of terminal.get(e.dep) ?? []) if (!out.includes(o)) out.push(o);
  return out;
}

function containerOp(type: Operation['type'], service: string, resource: string, number: number, containerId: string | undefined, cause: string, dependsOn: string[], waitFor: WaitFor[]): Operation {
  const o: Operation = { id: `${type}:${resource}`, type, kind: 'container', resource, service, number, cause, dependsOn };
  if (containerId) o.containerId = containerId;
  if (waitFor.length && (type === 'start' || type === 'restart')) o.waitFor = waitFor;
  return o;
}

function groupByService(containers: ObservedContainer[]): Map<string, ObservedContainer[]> {
  const m = new Map<string, ObservedContainer[]>();
  for (const c of containers) {
    // One-off containers (`run`) are neither replicas nor orphans.
    if (c.oneOff) continue;
    let l = m.get(c.service);
    if (!l) m.set(c.service, (l = []));
    l.push(c);
  }
  for (const l of m.values()) l.sort((a, b) => a.number - b.number);
  return m;
}

/** createNetwork / createVolume for what the planned services use and does not exist yet. Returns key → op id. */
function ensureOps(project: Project, existing: string[] | undefined, uses: Map<string, { networks: string[]; volumes: string[] }>, kind: 'network' | 'volume', ops: Operation[]): Map<string, string> {
  const objects = kind === 'network' ? project.networks : project.volumes;
  const used = new Set<string>();
  for (const u of uses.values()) for (const k of kind === 'network' ? u.networks : u.volumes) used.add(k);
  const have = existing ? new Set(existing) : undefined;
  const out = new Map<string, string>();
  for (const key of [...used].sort()) {
    const o = objects[key];
    // External objects are the user's: never created by us (the executor checks they exist).
    if (!o || o.external || have?.has(o.name)) continue;
    const id = `${kind === 'network' ? 'createNetwork' : 'createVolume'}:${o.name}`;
    ops.push({ id, type: kind === 'network' ? 'createNetwork' : 'createVolume', kind, resource: o.name, key, cause: have ? `new ${kind}` : `${kind} not observed, ensure it exists`, dependsOn: [] });
    out.set(key, id);
  }
  return out;
}

/** Why the hashes differ, as precisely as the observed container lets us say. */
function describeChange(c: ObservedContainer, s: Service, imageDigest: string | undefined): string {
  const v = hashVersion(c.configHash);
  if (v !== HASH_VERSION) return `config hash format changed (${v || 'none'} → ${HASH_VERSION})`;
  if (!c.configHashes) return 'config changed';
  const keys = changedKeys(c.configHashes, configKeyHashes(s, imageDigest ? { imageDigest } : {}));
  return keys.length ? `config changed (${keys.join(', ')})` : 'config changed';
}

function sharedKinds(e: DepEdge): string {
  return e.kinds.filter((k) => SHARES.has(k)).map((k) => (k === 'volumes_from' ? 'the volumes' : `the ${k.replace('_mode', '')} namespace`)).join(' and ');
}
