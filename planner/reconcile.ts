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
import { serviceGraphOf, withDependencies, type DepEdge } from './graph.ts';
import { changedKeys, configHash, configKeyHashes, hashVersion, HASH_VERSION } from './hash.ts';
import { checkReplicas, checkScale, checkSelection, containerName, replicasOf, serviceNetworks, serviceVolumes } from './resources.ts';
import type { Observed, ObservedContainer, Operation, Plan, PlanOptions, WaitFor } from './plan.ts';

type Policy = 'force' | 'never' | 'diverged';

/** Edges that make a container hold on to its dependency's container itself, not just its start order. */
const SHARES = new Set(['network_mode', 'ipc', 'pid', 'volumes_from']);

// What a service is to this plan (by service index).
const OUT = 0;
const DEPENDENCY = 1;
const SELECTED = 2;

// What this plan does to a service's containers (by service index); dependents follow with restart: true.
const RECREATED = 1;
const RESTARTED = 2;

const NONE: readonly never[] = [];

export function reconcile(project: Project, observed: Observed, options: PlanOptions): Plan {
  if (options.forceRecreate && options.noRecreate) throw new UsageError('--force-recreate and --no-recreate cannot be combined');
  if (options.alwaysRecreateDeps && options.noRecreate) throw new UsageError('--always-recreate-deps and --no-recreate cannot be combined');
  const graph = serviceGraphOf(project);
  const names = graph.services;
  const selected = options.services?.length ? [...new Set(options.services)].sort() : undefined;
  if (selected) checkSelection(project, selected);
  checkScale(project, options.scale);
  const role = new Uint8Array(names.length);
  if (!selected) role.fill(SELECTED);
  else {
    if (!options.noDeps) for (const i of withDependencies(graph, selected)) role[i] = DEPENDENCY;
    for (const name of selected) role[graph.index.get(name) as number] = SELECTED;
  }

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

  // By service index, for the services in the plan.
  const networksOf: string[][] = new Array(names.length);
  const volumesOf: string[][] = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    if (role[i] === OUT) continue;
    const s = project.services[names[i] as string] as Service;
    networksOf[i] = serviceNetworks(project, s);
    volumesOf[i] = serviceVolumes(project, s);
  }
  const networkOps = ensureOps(project, observed.networks, networksOf, 'network', ops);
  const volumeOps = ensureOps(project, observed.volumes, volumesOf, 'volume', ops);

  /** By service index: the operations that leave each of its containers in its final state. */
  const terminal: (readonly Operation[])[] = new Array(names.length);
  // Every service in the plan: no edge needs filtering.
  const everyone = role.every((r) => r !== OUT);
  /** By service index: 0, RECREATED or RESTARTED (RECREATED wins when it has both). */
  const changed = new Uint8Array(names.length);

  for (const i of graph.order) {
    if (role[i] === OUT) continue;
    const name = names[i] as string;
    const s = project.services[name] as Service;
    const deps = graph.deps[i] as DepEdge[];
    const edges = everyone ? deps : deps.filter((e) => role[e.to] !== OUT);
    const replicas = replicasOf(name, s, options.scale);
    checkReplicas(project, name, s, replicas);
    const isSelected = role[i] === SELECTED;
    const policy: Policy = isSelected
      ? options.forceRecreate ? 'force' : options.noRecreate ? 'never' : 'diverged'
      : options.alwaysRecreateDeps ? 'force' : options.noRecreate ? 'never' : 'diverged';
    const forcedBy = isSelected ? '--force-recreate' : '--always-recreate-deps';

    // Shared by this service's first operations; operations are read-only once planned.
    const after = terminalsOf(edges, terminal);
    const first: string[] = [];
    for (const k of networksOf[i] as string[]) { const id = networkOps.get(k); if (id) first.push(id); }
    for (const k of volumesOf[i] as string[]) { const id = volumeOps.get(k); if (id) first.push(id); }
    for (const o of after) first.push(o.id);
    const waitFor: WaitFor[] = [];
    let sharedRecreated: DepEdge | undefined;
    let restartBecause: DepEdge | undefined;
    for (const e of edges) {
      if (e.kinds.includes('depends_on')) waitFor.push({ service: e.dep, condition: e.condition, required: e.required });
      if (!sharedRecreated && changed[e.to] === RECREATED && e.kinds.some((k) => SHARES.has(k))) sharedRecreated = e;
      if (!restartBecause && e.restart && changed[e.to]) restartBecause = e;
    }

    const imageDigest = options.imageDigests?.[name];
    const hash = configHash(s, imageDigest ? { imageDigest } : undefined);
    const existing = byService.get(name) ?? NONE;
    const keep = Math.min(existing.length, replicas);
    /** One per container the service ends up with: `replicas` of them. */
    const finals: Operation[] = [];

    // Scale down: highest numbers first, one after the other, so the survivors are always the lowest.
    let prev: string | undefined;
    for (let k = existing.length - 1; k >= keep; k--) {
      const c = existing[k] as ObservedContainer;
      const o = containerOp('remove', name, c.name, c.number, c.id, `scale down: ${existing.length} → ${replicas}`, prev ? [prev] : [], waitFor);
      ops.push(o);
      prev = o.id;
    }

    for (let k = 0; k < keep; k++) {
      const c = existing[k] as ObservedContainer;
      const diff = c.configHash === hash ? undefined : describeChange(c, s, imageDigest);
      let recreateCause: string | undefined;
      if (policy === 'force') recreateCause = `forced (${forcedBy})`;
      else if (policy === 'diverged' && diff) recreateCause = diff;
      else if (policy === 'diverged' && sharedRecreated) recreateCause = `shares ${sharedKinds(sharedRecreated)} of "${sharedRecreated.dep}", which is recreated`;

      if (recreateCause) {
        // Named after what it becomes: a changed container_name renames it (the old one is found by id).
        const target = containerName(project, name, s, c.number);
        const r = containerOp('recreate', name, target, c.number, c.id, recreateCause, first, waitFor, hash);
        ops.push(r);
        changed[i] = RECREATED;
        if (options.noStart) { finals.push(r); continue; }
        const st = containerOp('start', name, target, c.number, undefined, 'recreated', [r.id], waitFor);
        ops.push(st);
        finals.push(st);
        continue;
      }
      const note = diff ? `; ${diff}, not recreated (--no-recreate)` : '';
      const up = c.status === 'running' || c.status === 'paused';
      let op: Operation;
      if (!up && !options.noStart) {
        op = containerOp('start', name, c.name, c.number, c.id, `${c.status === 'created' ? 'created, never started' : c.status}${note}`, first, waitFor);
      } else if (up && restartBecause && !options.noStart) {
        op = containerOp('restart', name, c.name, c.number, c.id, `dependency "${restartBecause.dep}" changed (depends_on.${restartBecause.dep}.restart: true)${note}`, first, waitFor);
        if (!changed[i]) changed[i] = RESTARTED;
      } else {
        const state = up ? (c.status === 'paused' ? 'up to date (paused)' : 'up to date') : `${c.status} (--no-start)`;
        op = containerOp('keep', name, c.name, c.number, c.id, diff ? `${state.replace('up to date', 'running')}${note}` : state, first, waitFor);
      }
      ops.push(op);
      finals.push(op);
    }

    // Scale up with the smallest numbers no existing container of the service uses.
    let n = 1;
    let next = 0; // existing is sorted by number: skip the numbers it uses in one pass
    for (let k = keep; k < replicas; k++) {
      for (;;) {
        while (next < existing.length && (existing[next] as ObservedContainer).number < n) next++;
        if (next < existing.length && (existing[next] as ObservedContainer).number === n) n++;
        else break;
      }
      const cname = containerName(project, name, s, n);
      const cr = containerOp('create', name, cname, n, undefined, existing.length ? `scale up: ${keep} → ${replicas}` : 'new service', first, waitFor, hash);
      ops.push(cr);
      n++;
      if (options.noStart) { finals.push(cr); continue; }
      const st = containerOp('start', name, cname, cr.number as number, undefined, 'new container', [cr.id], waitFor);
      ops.push(st);
      finals.push(st);
    }

    // A service with no containers (scale 0) passes its own dependencies through, so its dependents
    // still start after them.
    terminal[i] = replicas ? finals : after;
  }

  return { project: project.name, operations: ops, warnings, external: graph.external.filter((x) => role[graph.index.get(x.service) as number] !== OUT) };
}

/**
 * The terminal operations of each dependency, once each (two dependencies share some only through
 * services scaled to zero). Compared by identity: no string comparison on the hot path.
 */
function terminalsOf(edges: DepEdge[], terminal: (readonly Operation[])[]): readonly Operation[] {
  if (edges.length === 0) return NONE;
  if (edges.length === 1) return terminal[(edges[0] as DepEdge).to] ?? NONE;
  let total = 0;
  for (const e of edges) total += terminal[e.to]?.length ?? 0;
  if (total > 32) return [...new Set(edges.flatMap((e) => terminal[e.to] ?? NONE))];
  const out: Operation[] = [];
  for (const e of edges) for (const o of terminal[e.to] ?? NONE) if (!out.includes(o)) out.push(o);
  return out;
}

/**
 * A container operation. One object literal per set of fields, in the order they have always had in
 * JSON output: a field added to a built object costs an extra allocation, per operation.
 */
function containerOp(type: Operation['type'], service: string, resource: string, number: number, containerId: string | undefined, cause: string, dependsOn: string[], waitFor: WaitFor[], configHash?: string): Operation {
  const id = `${type}:${resource}`;
  const kind = 'container';
  if (configHash) {
    return containerId
      ? { id, type, kind, resource, service, number, cause, dependsOn, containerId, configHash }
      : { id, type, kind, resource, service, number, cause, dependsOn, configHash };
  }
  if (waitFor.length && (type === 'start' || type === 'restart')) {
    return containerId
      ? { id, type, kind, resource, service, number, cause, dependsOn, containerId, waitFor }
      : { id, type, kind, resource, service, number, cause, dependsOn, waitFor };
  }
  return containerId ? { id, type, kind, resource, service, number, cause, dependsOn, containerId } : { id, type, kind, resource, service, number, cause, dependsOn };
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
function ensureOps(project: Project, existing: string[] | undefined, uses: string[][], kind: 'network' | 'volume', ops: Operation[]): Map<string, string> {
  const objects = kind === 'network' ? project.networks : project.volumes;
  const used = new Set<string>();
  // A sparse array (services out of the plan have no entry): for…of would visit the holes.
  uses.forEach((keys) => { for (const k of keys) used.add(k); });
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
  const keys = changedKeys(c.configHashes, configKeyHashes(s, imageDigest ? { imageDigest } : undefined));
  if (keys.length && keys.every((k) => IMAGE_KEYS.has(k))) return 'image changed';
  return keys.length ? `config changed (${keys.join(', ')})` : 'config changed';
}

/** Changed keys that, alone, mean "another image" (the `image:` ref, or the same ref pulled or built anew). */
const IMAGE_KEYS = new Set(['image', 'image digest']);

function sharedKinds(e: DepEdge): string {
  return e.kinds.filter((k) => SHARES.has(k)).map((k) => (k === 'volumes_from' ? 'the volumes' : `the ${k.replace('_mode', '')} namespace`)).join(' and ');
}
