// `down --rmi local|all`: which images a project's services use, and removing them once the
// containers are gone, as docker compose does: `local` = only images without a custom tag (the
// `<project>-<service>` images `build:` made for services that set no `image:`), `all` = every
// image the services use. An image another container still uses is kept ("Resource is still in
// use"), one that is not there is a warning, anything else is an error after the rest are tried.
import { TscError } from '../../schema/errors.ts';
import type { Project } from '../../schema/model.ts';
import type { ContainerRecord } from '../state/journal.ts';
import type { Emit } from './events.ts';
import { builtImageName, imageRefOf } from './image-name.ts';

export type RmiMode = 'local' | 'all';

/** `--rmi` as docker compose accepts it; anything else is a usage error before anything is removed. */
export function parseRmi(v: string | undefined): RmiMode | undefined {
  if (v === undefined) return undefined;
  if (v === 'local' || v === 'all') return v;
  throw new TscError('USAGE', `invalid --rmi value "${v}"`, { hint: 'use --rmi local or --rmi all', exitCode: 1 });
}

/** An image a service uses, and whether it is a local (built, untagged-by-the-user) one. */
export interface UsedImage { ref: string; local: boolean }

/**
 * Images used by the project: its services (from the stack file, when there is one) and the
 * containers the journal lists (so `down -p NAME --rmi all` works without the stack file, and
 * removed services' images are found too). Pure.
 */
export function usedImages(projectName: string, project: Project | undefined, containers: Pick<ContainerRecord, 'service' | 'image'>[]): UsedImage[] {
  const out = new Map<string, UsedImage>();
  const add = (ref: string, local: boolean) => {
    const prev = out.get(ref);
    out.set(ref, { ref, local: local || (prev?.local ?? false) });
  };
  for (const name of Object.keys(project?.services ?? {})) {
    const ref = imageRefOf(project!, name);
    if (ref) add(ref, !project!.services[name]!.image);
  }
  for (const c of containers) {
    if (!c.image) continue;
    add(c.image, stripLatest(c.image) === builtImageName(projectName, c.service));
  }
  return [...out.values()];
}

function stripLatest(ref: string): string {
  return ref.replace(/:latest$/, '');
}

/** The refs `down --rmi MODE` removes, in a stable order. */
export function imagesToRemove(mode: RmiMode, used: UsedImage[]): string[] {
  return used.filter((u) => mode === 'all' || u.local).map((u) => u.ref).sort();
}

export interface ImageRemover {
  /** Untags the ref (and collects what no ref or container reaches); throws ImageError IMAGE_IN_USE / IMAGE_NOT_FOUND. */
  remove(ref: string): Promise<string[]>;
}

/** Removes each image, reporting every one; throws the first unexpected error once all were tried. */
export async function removeImages(store: ImageRemover, refs: string[], emit: Emit): Promise<void> {
  let failure: unknown;
  for (const ref of refs) {
    emit({ type: 'image', action: 'image-remove', name: ref });
    try {
      await store.remove(ref);
      emit({ type: 'image', action: 'image-removed', name: ref });
    } catch (e) {
      const code = e instanceof TscError ? e.code : undefined;
      if (code === 'IMAGE_IN_USE') emit({ type: 'image', action: 'image-kept', name: ref, detail: (e as Error).message });
      else if (code === 'IMAGE_NOT_FOUND') emit({ type: 'image', action: 'image-missing', name: ref });
      else {
        emit({ type: 'image', action: 'error', name: ref, detail: e instanceof Error ? e.message : String(e) });
        failure ??= e;
      }
    }
  }
  if (failure !== undefined) throw failure;
}
