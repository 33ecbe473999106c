// Named and anonymous volumes: a directory `paths.volumeData(name)` on the host, bind-mounted
// into containers. A volume outlives containers and `down`; only `down -v` / `volume rm`
// removes it. First use copies the image's content at the mount point into an empty volume
// (docker's behaviour) unless `nocopy` is set.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomHex } from '../sys/random.ts';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TscError } from '../../schema/errors.ts';
import { paths } from '../state/paths.ts';

const run = promisify(execFile);

export interface VolumeMeta {
  name: string;
  /** Compose project that created it (`com.docker.compose.project` in docker). */
  project?: string;
  labels: Record<string, string>;
  anonymous: boolean;
  createdAt: string;
}

export interface VolumeInfo extends VolumeMeta {
  /** Host dir to mount (`…/volumes/<name>/_data`). */
  dir: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function meta(name: string): string {
  return join(paths.volume(name), 'meta.json');
}

/** Creates the volume if missing (idempotent) and returns it. */
export function ensureVolume(name: string, o: { project?: string; labels?: Record<string, string>; anonymous?: boolean } = {}): VolumeInfo {
  if (!NAME.test(name)) throw new TscError('VOLUME', `Invalid volume name "${name}"`, { hint: 'use letters, digits, "_", "." and "-", starting with a letter or digit' });
  const dir = paths.volumeData(name);
  if (!existsSync(meta(name))) {
    mkdirSync(dir, { recursive: true });
    const m: VolumeMeta = { name, labels: o.labels ?? {}, anonymous: o.anonymous ?? false, createdAt: new Date().toISOString(), ...(o.project ? { project: o.project } : {}) };
    writeFileSync(meta(name), JSON.stringify(m, null, 2) + '\n');
  }
  return inspectVolume(name)!;
}

/** A fresh anonymous volume name (64 hex, like docker). */
export function anonymousVolumeName(): string {
  return randomHex(32);
}

export function inspectVolume(name: string): VolumeInfo | undefined {
  try {
    const m = JSON.parse(readFileSync(meta(name), 'utf8')) as VolumeMeta;
    return { ...m, dir: paths.volumeData(name) };
  } catch {
    return undefined;
  }
}

export function listVolumes(): VolumeInfo[] {
  let names: string[] = [];
  try { names = readdirSync(paths.volumes()); } catch { return []; }
  return names.sort().map(inspectVolume).filter((v): v is VolumeInfo => v !== undefined);
}

/** Removes the volume and its data; a missing volume is fine (idempotent). */
export function removeVolume(name: string): void {
  if (!NAME.test(name)) throw new TscError('VOLUME', `Invalid volume name "${name}"`);
  rmSync(paths.volume(name), { recursive: true, force: true });
}

/**
 * Copies what the image has at the mount point into the volume, when the volume is still empty
 * (docker: "populate a volume using a container"). `cp -a` keeps owners, modes, links and
 * xattrs, which fs.cp does not. Returns whether anything was copied.
 */
export async function copyUp(volumeDir: string, imagePath: string): Promise<boolean> {
  let st;
  try { st = lstatSync(imagePath); } catch { return false; }
  if (!st.isDirectory()) return false;
  if (readdirSync(volumeDir).length > 0) return false;
  if (readdirSync(imagePath).length === 0) return false;
  try {
    await run('cp', ['-a', '--', `${imagePath}/.`, `${volumeDir}/`]);
  } catch (e) {
    throw new TscError('VOLUME', `Copying the image content of "${imagePath}" into the volume failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return true;
}
