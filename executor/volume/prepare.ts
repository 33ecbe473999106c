// Everything a service's volumes need on the host before launch: named volumes created and
// seeded, anonymous ones (service `volumes:` without a source, and the image's VOLUMEs) made,
// bind sources created when `create_host_path` asks for it. Returns the maps buildSpec takes.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import type { Project, Service } from '../../schema/model.ts';
import { anonymousVolumeName, copyUp, ensureVolume, inspectVolume } from './volume.ts';

export interface PreparedVolumes {
  /** Compose volume key → host dir (SpecInput.volumes). */
  volumes: Record<string, string>;
  /** Container target → host dir (SpecInput.anonymousVolumes). */
  anonymousVolumes: Record<string, string>;
  /** Container target → anonymous volume name, to record in state and reuse on recreate. */
  anonymousNames: Record<string, string>;
}

export async function prepareVolumes(o: {
  project: Pick<Project, 'name' | 'volumes'>;
  service: Service;
  /** The container's merged rootfs: the image content that seeds empty volumes. */
  rootfs: string;
  /** The image config's Volumes (targets). */
  imageVolumes?: string[];
  /** Anonymous volumes kept from the previous container of this service (target → name). */
  reuseAnonymous?: Record<string, string>;
}): Promise<PreparedVolumes> {
  const out: PreparedVolumes = { volumes: {}, anonymousVolumes: {}, anonymousNames: {} };
  const anon = async (target: string, nocopy: boolean) => {
    const name = o.reuseAnonymous?.[target] ?? anonymousVolumeName();
    const v = ensureVolume(name, { project: o.project.name, anonymous: true });
    if (!nocopy) await copyUp(v.dir, join(o.rootfs, target));
    out.anonymousVolumes[target] = v.dir;
    out.anonymousNames[target] = name;
  };
  for (const v of o.service.volumes ?? []) {
    if (v.type === 'volume') {
      if (!v.source) { await anon(v.target, v.volume?.nocopy === true); continue; }
      const top = o.project.volumes[v.source];
      if (!top) throw new TscError('VOLUME', `Service refers to undefined volume "${v.source}"`, { hint: 'declare it under the top-level volumes:' });
      if (top.external && !inspectVolume(top.name)) {
        throw new TscError('VOLUME', `External volume "${top.name}" does not exist`, { hint: `create it first: tscompose volume create ${top.name}` });
      }
      const info = ensureVolume(top.name, { project: o.project.name, ...(top.labels ? { labels: top.labels } : {}) });
      if (v.volume?.nocopy !== true && !v.volume?.subpath) await copyUp(info.dir, join(o.rootfs, v.target));
      out.volumes[v.source] = info.dir;
    } else if (v.type === 'bind' && v.source && !existsSync(v.source)) {
      // The short syntax sets create_host_path (docker); without it the launch fails at the
      // mount step, naming the missing source.
      if (v.bind?.create_host_path === true) mkdirSync(v.source, { recursive: true });
    }
  }
  const taken = new Set((o.service.volumes ?? []).map((v) => v.target));
  for (const t of o.imageVolumes ?? []) if (!taken.has(t)) await anon(t, false);
  return out;
}
