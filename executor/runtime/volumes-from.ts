// `volumes_from: [service]` / `container:name[:ro]`: the other container's volumes and binds,
// read from its config.json (docker copies those, not its tmpfs mounts or our init binary).
import { readFileSync } from 'node:fs';
import { TscError } from '../../schema/errors.ts';
import type { OciMount, OciSpec } from './oci.ts';
import { files } from './runtime.ts';
import { INIT_TARGET } from './spec.ts';

export function volumesFromMounts(containerDir: string): OciMount[] {
  let spec: OciSpec;
  try {
    spec = JSON.parse(readFileSync(files.config(containerDir), 'utf8')) as OciSpec;
  } catch (e) {
    throw new TscError('VOLUMES_FROM', `Cannot read the mounts of ${containerDir}: ${(e as Error).message}`);
  }
  return spec.mounts.filter((m) => m.type === 'bind' && m.destination !== INIT_TARGET);
}

/** `"db"`, `"db:ro"`, `"container:x:rw"` → the reference and whether the mounts are read-only. */
export function parseVolumesFrom(entry: string): { kind: 'service' | 'container'; name: string; readOnly: boolean } {
  const parts = entry.split(':');
  const kind = parts[0] === 'container' ? 'container' : 'service';
  const rest = kind === 'container' ? parts.slice(1) : parts;
  const mode = rest.length > 1 ? rest.at(-1) : undefined;
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new TscError('VOLUMES_FROM', `Invalid volumes_from mode "${mode}" in "${entry}"`, { hint: 'use ro or rw' });
  const name = (mode !== undefined ? rest.slice(0, -1) : rest).join(':');
  if (!name) throw new TscError('VOLUMES_FROM', `volumes_from "${entry}" names no service or container`);
  return { kind, name, readOnly: mode === 'ro' };
}
