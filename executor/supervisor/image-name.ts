// The image a service runs, as docker compose v2 names it: `image:`, else `<project>-<service>`
// for a service that builds (the store adds `:latest`). Shared by create (which image to mount)
// and the builds (which tag to give the result).
import type { Project } from '../../schema/model.ts';

/** Image names are lowercase; project names already are, service names may not be. */
export function imageRefOf(project: Project, name: string): string | undefined {
  const s = project.services[name];
  if (!s) return undefined;
  if (s.image) return s.image;
  return s.build ? builtImageName(project.name, name) : undefined;
}

/** The name a built image of a service with no `image:` gets (also how `down --rmi local` knows one). */
export function builtImageName(project: string, service: string): string {
  return `${project}-${service}`.toLowerCase();
}
