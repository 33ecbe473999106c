// What a service needs from the project besides other services: networks, named volumes,
// how many containers, and their names. Pure lookups over the normalized model.
import type { Project, Service } from '../schema/model.ts';
import { StackFileError, UsageError } from '../schema/errors.ts';
import { originOf } from './locate.ts';

/** Compose keys of the project networks a service joins (none when network_mode takes another namespace). */
export function serviceNetworks(project: Project, s: Service): string[] {
  if (s.network_mode) return [];
  const out: string[] = [];
  for (const k in s.networks ?? {}) if (Object.hasOwn(project.networks, k)) out.push(k);
  if (!s.networks || out.length === 0 && Object.keys(s.networks).length === 0) {
    if (Object.hasOwn(project.networks, 'default')) out.push('default');
  }
  return out.length > 1 ? out.sort() : out;
}

/** Compose keys of the project's named volumes a service mounts. */
export function serviceVolumes(project: Project, s: Service): string[] {
  const out: string[] = [];
  for (const v of s.volumes ?? []) {
    if (v.type === 'volume' && v.source && Object.hasOwn(project.volumes, v.source) && !out.includes(v.source)) out.push(v.source);
  }
  // Both lists are short, and plans run once per service: sort only when there is something to sort.
  return out.length > 1 ? out.sort() : out;
}

/** --scale wins, then `scale`, then deploy.replicas (compose gives them the same meaning), default 1. */
export function replicasOf(name: string, s: Service, scale: Record<string, number> | undefined): number {
  return scale?.[name] ?? s.scale ?? s.deploy?.replicas ?? 1;
}

export function containerName(project: Project, service: string, s: Service, n: number): string {
  return s.container_name ?? `${project.name}-${service}-${n}`;
}

/** A fixed container_name can name one container only (compose refuses to scale such a service). */
export function checkReplicas(project: Project, name: string, s: Service, replicas: number): void {
  if (replicas > 1 && s.container_name) {
    const keyPath = `services.${name}.container_name`;
    throw StackFileError.one({
      keyPath,
      origin: originOf(project, keyPath),
      message: `service "${name}" has container_name "${s.container_name}" and cannot have ${replicas} containers`,
      hint: 'remove container_name to scale the service',
    });
  }
}

/** Services named on the command line must exist and be enabled. */
export function checkSelection(project: Project, selected: string[]): void {
  for (const n of selected) {
    if (Object.hasOwn(project.services, n)) continue;
    if (Object.hasOwn(project.disabled_services, n)) throw new UsageError(`Service "${n}" is disabled by its profiles`, 'enable one of its profiles with --profile');
    throw new UsageError(`No such service: "${n}"`);
  }
}

/** `--scale svc=N`: a known service and a whole number ≥ 0. */
export function checkScale(project: Project, scale: Record<string, number> | undefined): void {
  for (const [n, v] of Object.entries(scale ?? {})) {
    checkSelection(project, [n]);
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`Invalid --scale value for "${n}": ${v}`, 'use --scale SERVICE=N with N a whole number, 0 or more');
  }
}
