// The `up -d` client hands the Project it already loaded (to run builds) to the detached
// supervisor it starts, so the stack file is loaded once, not twice: the supervisor then never
// loads the schema layer (YAML parsers, the generated validator, the normalizing rules), which
// would stay resident for the life of the stack (bench/up-down/README.md has the figures).
//
// The hand-over is a JSON file in the run dir (mode 0600, root only like the run dir's other
// files), named by an environment variable; the supervisor reads and removes it at start, and
// the client removes it too once the supervisor reported (or died), so nothing is left behind.
//
// What JSON cannot carry is `origins` (key path → file:line). They are only read when an error
// must point at the stack file, so the supervisor gets a deferred map: on its first read the
// stack file is loaded again from the same options (the supervisor has the client's argv, cwd
// and environment) and its origins are used, but only if that load gives the very model that
// was handed over — a stack file edited in between gives no positions rather than wrong ones.
import { createRequire } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../schema/model.ts';
import type { Origin } from '../schema/errors.ts';
import { OriginMap } from '../schema/origins.ts';

/** Names the hand-over file in the supervisor's environment. */
export const HANDOVER_ENV = 'TSCOMPOSE_PROJECT_HANDOVER';

/** The model as JSON: every field but `origins`. */
export function encodeProject(p: Project): string {
  const { origins: _origins, ...rest } = p;
  return JSON.stringify(rest);
}

/** The model back, with origins from `reload()` (a fresh load of the same stack files), asked for only when read. */
export function decodeProject(text: string, reload: () => Project | undefined): Project {
  const rest = JSON.parse(text) as Omit<Project, 'origins'>;
  const origins = OriginMap.deferred('', (): Iterable<[string, Origin]> => {
    let fresh: Project | undefined;
    try {
      fresh = reload();
    } catch {
      return []; // the stack file no longer loads: errors keep their key path, lose the line
    }
    return fresh && encodeProject(fresh) === text ? fresh.origins : [];
  });
  return { ...rest, origins };
}

/** Client side: writes the hand-over file and returns the environment entry naming it. */
export function writeHandover(dir: string, project: Project): { env: Record<string, string>; remove: () => void } {
  const file = join(dir, `.project-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, encodeProject(project), { mode: 0o600 });
  return { env: { [HANDOVER_ENV]: file }, remove: () => rmSync(file, { force: true }) };
}

/**
 * Supervisor side: the handed-over project (and the file removed), or undefined when none was
 * handed over or it cannot be read (the caller loads the stack file itself then). The variable
 * is cleared so the processes the supervisor starts do not see it.
 */
export function takeHandover(reload: () => Project | undefined): Project | undefined {
  const file = process.env[HANDOVER_ENV];
  if (!file) return undefined;
  delete process.env[HANDOVER_ENV];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  } finally {
    rmSync(file, { force: true });
  }
  return decodeProject(text, reload);
}

/**
 * The schema loader, loaded synchronously (an origins map is read synchronously) and only when
 * called: Node's require() of an ES module, resolved next to this file (.ts sources or the .js build).
 */
export function loadProjectSyncLazily(): typeof import('../schema/load.ts').loadProjectSync {
  const ext = import.meta.url.endsWith('.js') ? '.js' : '.ts';
  const mod = createRequire(import.meta.url)(`../schema/load${ext}`) as typeof import('../schema/load.ts');
  return mod.loadProjectSync;
}
