// The real WatchActions for a running project. Watch (executor/watch) decides what to do; this
// file finds the containers in the project's journal, runs hook commands through the runtime's
// execIn with the container's own defaults (meta.json: env, user, cwd — as `exec` does), and
// leaves restart / reload-and-apply to the caller, which runs them through the same code paths
// as `tscompose restart` and `tscompose up` (cli/commands/watch-run.ts).
import type { Project } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import { readState, type ContainerRecord } from '../state/journal.ts';
import { isAlive, realProc } from '../state/proc.ts';
import { paths } from '../state/paths.ts';
import { readContainerView } from '../watch/container-view.ts';
import { rebuildUnavailable, type WatchActions } from '../watch/actions.ts';
import type { WatchExec } from '../watch/rules.ts';
import type { WatchSession } from '../watch/session.ts';

export interface WatchActionsOptions {
  project: string;
  /** `tscompose restart SERVICE`. */
  restart(service: string): Promise<void>;
  /** Loads the stack files again; throws the StackFileError of a broken edit. */
  load(): Promise<Project>;
  /** Plans and applies the new project as `up` does (only changed services are recreated). */
  apply(project: Project): Promise<void>;
  /** Builds the service's image again and recreates its containers (`up -d --build --no-deps SERVICE`). */
  rebuild?(service: string): Promise<void>;
  /** The session to update after a reload (known once startWatch returned). */
  session(): WatchSession | undefined;
  /** The rules of these services only (`watch SERVICE...`); all when undefined. */
  select?: (project: Project) => Project;
  log(line: string): void;
}

/** Running (desired running, PID alive) containers of a service, from the journal. */
export function runningContainers(project: string, service?: string): ContainerRecord[] {
  return Object.values(readState(project).containers)
    .filter((c) => !c.oneOff && (service === undefined || c.service === service) && c.desired === 'running' && c.steps.includes('launch'))
    .filter((c) => isAlive(realProc, c.pid, c.pidStart))
    .sort((a, b) => a.number - b.number);
}

/** Splits `K=V` lines into a map (later wins). */
function envMap(lines: string[] | undefined, into = new Map<string, string>()): Map<string, string> {
  for (const kv of lines ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) into.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return into;
}

export function watchActions(o: WatchActionsOptions): WatchActions {
  return {
    async containers(service) {
      return runningContainers(o.project, service).map((c) => readContainerView(c.id, c.pid));
    },
    restart: (service) => o.restart(service),
    async exec(containerId, ex: WatchExec) {
      const c = readState(o.project).containers[containerId];
      if (!c?.pid || !isAlive(realProc, c.pid, c.pidStart)) {
        throw new TscError('NOT_RUNNING', `watch: container ${containerId.slice(0, 12)} is not running`);
      }
      const { realEngine } = await import('./engine.ts');
      const { readMeta } = await import('./containers.ts');
      const engine = await realEngine(o.project);
      const meta = readMeta(c.id);
      const env = envMap(meta.env);
      for (const [k, v] of Object.entries(ex.environment ?? {})) env.set(k, v);
      const user = ex.user ?? meta.user;
      const cwd = ex.working_dir ?? meta.workingDir;
      const r = await engine.runtime.execIn({
        name: c.name, pid: c.pid, cgroupProcs: engine.cgroups.procsFiles(c.cgroup), argv: ex.command,
        env: [...env].map(([k, v]) => `${k}=${v}`), stdio: 'pipe', containerDir: paths.container(c.id),
        ...(user ? { user } : {}), ...(cwd ? { cwd } : {}),
      });
      // The hook's own output belongs with the service's logs.
      for (const line of (r.output ?? '').split('\n')) if (line.trim()) o.log(`${c.name}  | ${line}`);
      return { code: r.signal !== null && r.signal !== undefined ? 128 + (typeof r.signal === 'number' ? r.signal : 0) : r.code };
    },
    async rebuild(service) {
      if (!o.rebuild) throw rebuildUnavailable(service);
      const t0 = Date.now();
      await o.rebuild(service);
      o.log(`${service}: rebuilt and recreated (${Date.now() - t0} ms)`);
    },
    async reload() {
      // A broken edit throws here: the session reports it and nothing is planned or stopped.
      const project = await o.load();
      await o.apply(project);
      await o.session()?.update(o.select ? o.select(project) : project);
    },
    log: (line) => o.log(line),
  };
}
