// The reverse plans: `stop` and `down`. A service's containers are stopped (or removed) only after
// every container of each service that needs it, the exact reverse of the order `up` starts them;
// `down` then removes the networks (and with -v the named volumes) once no container uses them.
import type { Project } from '../schema/model.ts';
import { serviceGraphOf } from './graph.ts';
import { checkSelection } from './resources.ts';
import type { Observed, ObservedContainer, Operation, Plan } from './plan.ts';

export interface ReverseOptions {
  services?: string[];
  removeOrphans?: boolean;
  volumes?: boolean;
  /** down (remove containers, networks, volumes) or stop (stop running containers). */
  remove: boolean;
}

export function reverseReconcile(project: Project, observed: Observed, options: ReverseOptions): Plan {
  const graph = serviceGraphOf(project);
  const selected = options.services?.length ? new Set(options.services) : undefined;
  if (selected) checkSelection(project, [...selected]);
  const ops: Operation[] = [];
  const warnings: string[] = [];

  const byService = new Map<string, ObservedContainer[]>();
  for (const c of observed.containers) {
    let l = byService.get(c.service);
    if (!l) byService.set(c.service, (l = []));
    l.push(c);
  }
  for (const l of byService.values()) l.sort((a, b) => a.number - b.number);

  const containerOp = (c: ObservedContainer, dependsOn: string[], cause: string): string | undefined => {
    const base = { kind: 'container' as const, resource: c.name, service: c.service, number: c.number, containerId: c.id, dependsOn };
    if (options.remove) {
      ops.push({ ...base, id: `remove:${c.name}`, type: 'remove', cause });
      return `remove:${c.name}`;
    }
    if (c.status !== 'running' && c.status !== 'paused') return undefined;
    ops.push({ ...base, id: `stop:${c.name}`, type: 'stop', cause });
    return `stop:${c.name}`;
  };

  /** By service index: ids of the operations after which none of its containers runs. */
  const done: string[][] = new Array(graph.services.length);
  // graph.order has dependencies first; walking it backwards visits every dependent before what it needs.
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const i = graph.order[k] as number;
    const name = graph.services[i] as string;
    const afterSet = new Set<string>();
    for (const d of graph.dependents[i] as number[]) for (const id of done[d] as string[]) afterSet.add(id);
    const after = [...afterSet];
    const own: string[] = [];
    if (!selected || selected.has(name)) {
      for (const c of byService.get(name) ?? []) {
        const id = containerOp(c, after, options.remove ? `down (${c.oneOff ? 'one-off, ' : ''}${c.status})` : `${c.oneOff ? 'one-off, ' : ''}${c.status}`);
        if (id) own.push(id);
      }
    }
    // Nothing of this service to act on: its dependents' operations stand in for it, so the services
    // it needs still wait for them.
    done[i] = own.length ? own : after;
  }

  // Containers of services the file no longer has, or that profiles switched off: no order to keep.
  for (const [svc, cs] of byService) {
    if (Object.hasOwn(project.services, svc) || (selected && !selected.has(svc))) continue;
    const disabled = Object.hasOwn(project.disabled_services, svc);
    if (!disabled && !options.removeOrphans) {
      if (options.remove) warnings.push(`Found orphan containers (${cs.map((c) => c.name).join(', ')}) for this project. Run down with --remove-orphans to remove them`);
      continue;
    }
    for (const c of cs) containerOp(c, [], disabled ? 'service disabled by profiles' : `orphan: service "${svc}" is not in the stack file`);
  }

  if (options.remove && !selected) {
    const allContainers = ops.map((o) => o.id);
    const have = (names: string[] | undefined, n: string): boolean => !names || names.includes(n);
    for (const key of Object.keys(project.networks).sort()) {
      const n = project.networks[key];
      if (!n || n.external || !have(observed.networks, n.name)) continue;
      ops.push({ id: `removeNetwork:${n.name}`, type: 'removeNetwork', kind: 'network', resource: n.name, key, cause: 'down', dependsOn: allContainers });
    }
    if (options.volumes) {
      for (const key of Object.keys(project.volumes).sort()) {
        const v = project.volumes[key];
        if (!v || v.external || !have(observed.volumes, v.name)) continue;
        ops.push({ id: `removeVolume:${v.name}`, type: 'removeVolume', kind: 'volume', resource: v.name, key, cause: 'down -v', dependsOn: allContainers });
      }
    }
  }
  return { project: project.name, operations: ops, warnings, external: [] };
}
