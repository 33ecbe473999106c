// `tscompose watch` and `up --watch`. Choice: the watch session runs in THIS process, next to the
// project's detached supervisor, and reaches the stack through the journal (state.json) and the
// containers' specs; starting, recreating and restarting go through the very commands a user
// would run (`up -d` as a child, `restart` in-process), so watch never owns containers itself and
// a crash of watch leaves the stack as it was. Lines: watch events merged with the services' logs.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { Project } from '../../schema/model.ts';
import { globalsOf, type GlobalOptions } from '../global-options.ts';
import { loadProjectFor } from '../load-project.ts';
import { paths } from '../../executor/state/paths.ts';
import { readState } from '../../executor/state/journal.ts';
import { TscError } from '../../schema/errors.ts';
import { selfArgv } from './project-target.ts';
import type { WatchOpts } from './watch.ts';

export interface RunWatchExtra {
  /** `up --watch`: the argv of the `up -d` to run first (the user's own flags). */
  upArgv?: string[];
  /** `up --watch`: Ctrl-C stops the stack too, as a foreground `up` does. */
  stopOnExit?: boolean;
}

/** The global options again, for the child commands (project name pinned). */
function globalArgs(g: GlobalOptions, project: string): string[] {
  const a: string[] = [];
  for (const f of g.file ?? []) a.push('-f', f);
  a.push('-p', project);
  if (g.projectDirectory !== undefined) a.push('--project-directory', g.projectDirectory);
  for (const p of g.profile ?? []) a.push('--profile', p);
  for (const f of g.envFile ?? []) a.push('--env-file', f);
  return a;
}

/** Runs this CLI as a child with the given argv; rejects with its exit code. */
function runSelf(args: string[], what: string): Promise<void> {
  const { cmd, args: argv } = selfArgv(args);
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env: process.env, cwd: process.cwd() });
    c.on('error', (e) => reject(new TscError('WATCH_CHILD', `${what}: ${e.message}`, { cause: e })));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new TscError('WATCH_CHILD', `${what} failed (exit ${code ?? 'signal'})`))));
  });
}

/** Only the watch rules of `services` (all when none is named). */
function selectServices(services: string[]): (p: Project) => Project {
  if (services.length === 0) return (p) => p;
  return (p) => {
    for (const s of services) if (!p.services[s]) throw new TscError('NO_SERVICE', `No such service: "${s}"`);
    const out: Project['services'] = {};
    for (const [name, svc] of Object.entries(p.services)) {
      if (services.includes(name)) out[name] = svc;
      else { const { develop: _omit, ...rest } = svc; out[name] = rest; }
    }
    return { ...p, services: out };
  };
}

export async function runWatch(cmd: Command, services: string[], opts: WatchOpts, extra: RunWatchExtra = {}): Promise<number> {
  const g = globalsOf(cmd);
  const select = selectServices(services);
  const initial = await loadProjectFor(g);
  const name = initial.name;
  const gargs = globalArgs(g, name);
  const timeoutArgs = opts.timeout !== undefined ? ['-t', opts.timeout] : [];
  const watched = select(initial);
  if (!Object.values(watched.services).some((s) => (s.develop?.watch ?? []).length > 0)) {
    throw new TscError('WATCH_NONE', 'None of the selected services has develop.watch rules', { hint: 'add a develop: watch: section to a service (see the compose spec)' });
  }
  if (opts.up) await runSelf(extra.upArgv ?? [...gargs, 'up', '-d', ...services], 'up -d');

  const say = (l: string) => process.stdout.write(l + '\n');
  const { watchActions, runningContainers } = await import('../../executor/supervisor/watch-actions.ts');
  const { startWatch } = await import('../../executor/watch/session.ts');
  const { runAction } = await import('./lifecycle-run.ts');
  const { followLog, Prefixer } = await import('../../executor/supervisor/logs.ts');

  let session: import('../../executor/watch/session.ts').WatchSession | undefined;
  const actions = watchActions({
    project: name,
    async restart(service) {
      const code = await runAction('restart', cmd, [service], opts.timeout !== undefined ? { timeout: opts.timeout } : {});
      if (code !== 0) throw new TscError('WATCH_RESTART', `${service}: restart failed (exit ${code})`);
    },
    load: () => loadProjectFor(g),
    // `up -d` plans against what runs and recreates only the services whose config changed.
    apply: () => runSelf([...gargs, 'up', '-d', ...timeoutArgs, ...services], 'up -d'),
    // The rebuilt image changes the service's config hash, so `up` recreates its containers only.
    rebuild: (service) => runSelf([...gargs, 'up', '-d', '--build', '--no-deps', ...timeoutArgs, service], `up --build ${service}`),
    session: () => session,
    select,
    log: (l) => { if (!opts.quiet) say(l); },
  });

  // Logs of every container, and containerStarted for each (re)started one of a watched service.
  const prefixer = new Prefixer({ colour: process.stdout.isTTY === true, names: Object.values(readState(name).containers).map((c) => c.name) });
  const follows = new Map<string, () => void>();
  const seen = new Map<string, number | undefined>();
  const since = Date.now() - 1000;
  for (const c of runningContainers(name)) seen.set(c.id, c.pid);
  const tick = () => {
    for (const c of Object.values(readState(name).containers)) {
      if (c.oneOff || follows.has(c.id)) continue;
      follows.set(c.id, followLog(paths.container(c.id), (l) => say(prefixer.format(c.name, c.service, l)), { fromStart: Date.parse(c.startedAt ?? c.createdAt) >= since }));
    }
    if (!session) return;
    for (const c of runningContainers(name)) {
      if (seen.has(c.id) && seen.get(c.id) === c.pid) continue;
      seen.set(c.id, c.pid);
      void session.containerStarted(c.service, c.id).catch((e: unknown) => say(`${c.service}: ${(e as Error).message}`));
    }
  };

  session = await startWatch(watched, actions, {
    ...(opts.quiet ? { onEvent: (e) => { if (e.type === 'error') say(`${e.service}: ${e.message}`); } } : {}),
  });
  await session.ready;
  say(`Watching ${Object.values(watched.services).filter((s) => s.develop?.watch?.length).length} service(s) of project "${name}" (Ctrl-C to ${extra.stopOnExit ? 'stop' : 'end'})`);
  tick();
  const timer = setInterval(tick, 250);

  const sig = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  clearInterval(timer);
  say(`${sig}: ending watch`);
  // A reload or restart in flight gets a moment to finish; watch never waits forever on its way out.
  await Promise.race([session.close(), new Promise((r) => setTimeout(r, 5000).unref())]);
  for (const stop of follows.values()) stop();
  if (extra.stopOnExit) {
    say('Gracefully stopping...');
    await runSelf([...gargs, 'stop', ...timeoutArgs], 'stop').catch((e: unknown) => say((e as Error).message));
  }
  // `watch` ended by the user is a normal end; `up --watch` returns as a signalled foreground `up`.
  // Handles of the parts (engine, sync worker) must not keep the process alive once watch is done.
  setTimeout(() => process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode)), 100).unref();
  return extra.stopOnExit && sig === 'SIGINT' ? 130 : 0;
}
