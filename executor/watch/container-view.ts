// A ContainerView from what the supervisor already wrote: the container's OCI runtime spec
// (`paths.container(id)/config.json`) holds the rootfs path (the overlay's merged dir), the
// resolved numeric user, and every mount with its host source. So whoever implements
// WatchActions.containers() needs only the ids (and PIDs) of a service's running containers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import { paths } from '../state/paths.ts';
import type { OciSpec } from '../runtime/oci.ts';
import type { ContainerView } from './actions.ts';

type SpecPart = { root?: OciSpec['root']; process?: Pick<OciSpec['process'], 'user'>; mounts?: OciSpec['mounts'] };

/** Pure: the view of one container from its spec. */
export function containerViewFromSpec(id: string, containerDir: string, spec: SpecPart, pid?: number): ContainerView {
  const mounts: ContainerView['mounts'] = [];
  const unreachable: string[] = [];
  for (const m of spec.mounts ?? []) {
    const opts = m.options ?? [];
    const isBind = m.type === 'bind' || opts.includes('bind') || opts.includes('rbind');
    if (isBind && m.source) mounts.push({ source: m.source, target: m.destination, readOnly: opts.includes('ro') });
    else unreachable.push(m.destination);
  }
  return {
    id,
    rootDir: spec.root?.path ?? join(containerDir, 'merged'),
    uid: spec.process?.user.uid ?? 0,
    gid: spec.process?.user.gid ?? 0,
    mounts,
    unreachable,
    ...(pid !== undefined ? { pid } : {}),
  };
}

/** Reads `paths.container(id)/config.json`. */
export function readContainerView(id: string, pid?: number): ContainerView {
  const dir = paths.container(id);
  let spec: SpecPart;
  try {
    spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as SpecPart;
  } catch (e) {
    throw new TscError('WATCH_CONTAINER', `watch: cannot read the spec of container ${id.slice(0, 12)}: ${(e as Error).message}`, { cause: e });
  }
  return containerViewFromSpec(id, dir, spec, pid);
}
