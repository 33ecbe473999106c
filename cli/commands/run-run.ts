// `run`: dependencies via `up -d --wait` (one dependency engine for up and run: PAIN-POINTS.md #2),
// then the one-off container, created from the service with the command line's overrides,
// followed until it exits (its output is its log file, written by its waiter).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Command } from 'commander';
import type { PortConfig, Project, Service } from '../../schema/model.ts';
import { TscError, UsageError } from '../../schema/errors.ts';
import { acquireLock } from '../../executor/state/lock.ts';
import { paths } from '../../executor/state/paths.ts';
import { createProgress, progressMode } from '../progress.ts';
import { targetOf, selfArgv, notifySupervisor } from './project-target.ts';
import type { RunOpts } from './run.ts';

export function parsePublish(spec: string): PortConfig {
  // [[ip:]published:]target[/proto]
  const [main, proto] = spec.split('/');
  const parts = (main ?? '').split(':');
  const target = Number(parts.pop());
  if (!Number.isInteger(target)) throw new UsageError(`-p: invalid port "${spec}"`);
  const p: PortConfig = { mode: 'ingress', target, protocol: proto === 'udp' ? 'udp' : 'tcp' };
  const published = parts.pop();
  if (published) p.published = published;
  const ip = parts.pop();
  if (ip) p.host_ip = ip;
  return p;
}

export async function runRun(cmd: Command, serviceName: string, command: string[], o: RunOpts): Promise<number> {
  const t = await targetOf(cmd, { needProject: true });
  const project = t.project!;
  const base = project.services[serviceName];
  if (!base) throw new UsageError(`No such service: "${serviceName}"`);
  const pull = (await import('../../executor/supervisor/pull-images.ts')).parsePullFlag(o.pull);
  const progress = createProgress(progressMode(t.globals.progress));
  const deps = Object.keys(base.depends_on ?? {});
  if (o.deps !== false && deps.length) {
    const { cmd: node, args } = selfArgv([...process.argv.slice(2, process.argv.indexOf('run')), 'up', '-d', '--wait', ...deps]);
    const r = spawnSync(node, args, { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
    if (r.status !== 0) throw new TscError('DEPENDENCY', `Dependencies of "${serviceName}" did not come up (${deps.join(', ')})`, { exitCode: r.status ?? 1 });
  }
  if (base.build) {
    // As compose's `run`: a service whose image is missing (or pull_policy: build) is built first.
    const { buildForUp } = await import('./build-run.ts');
    await buildForUp(project, { services: [serviceName], deps: false, mode: 'missing', progress: progressMode(t.globals.progress) });
  }
  const env: Record<string, string | null> = { ...base.environment };
  for (const kv of o.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    else env[kv] = process.env[kv] ?? null;
  }
  const svc: Service = { ...base, environment: env, restart: 'no', ...(pull ? { pull_policy: pull } : {}) };
  delete svc.deploy;
  delete svc.container_name;
  if (command.length) svc.command = command;
  if (o.entrypoint !== undefined) svc.entrypoint = o.entrypoint === '' ? [] : [o.entrypoint];
  if (o.user) svc.user = o.user;
  if (o.workdir) svc.working_dir = o.workdir;
  // As compose: stdin is forwarded unless detached (-i is the default); a TTY when both ends are
  // terminals (-T never, -t always). Our own fds go to the waiter as they are (the container reads
  // stdin itself, so a pipe's end is its EOF); process.stdin is never touched here.
  const attach = !o.detach && o.interactive !== false && fdOpen(0);
  const tty = !o.detach && o.tty !== false && (o.t === true || (isatty(0) && isatty(1)));
  svc.tty = tty;
  const ports = o.servicePorts ? base.ports ?? [] : (o.publish ?? []).map(parsePublish);
  const oneOff: Project = { ...project, services: { ...project.services, [serviceName]: svc } };
  const name = o.name ?? `${project.name}-${serviceName}-run-${randomBytes(6).toString('hex')}`;

  const { openSession } = await import('../../executor/supervisor/session.ts');
  const { createContainer, startContainer, removeContainer, stopContainer } = await import('../../executor/supervisor/containers.ts');
  const { configHash } = await import('../../planner/hash.ts');
  const lock = await acquireLock(project.name, { command: 'run', timeoutMs: 120_000 });
  let s;
  let id: string;
  let restoreTerminal = () => undefined as void;
  try {
    s = await openSession(project.name);
    s.bus.subscribe((e) => { if (e.action === 'error') progress.event(e); });
    const numbers = Object.values(s.journal.state.containers).filter((c) => c.service === serviceName && c.oneOff).map((c) => c.number);
    const rec = await createContainer(s, oneOff, serviceName, Math.max(0, ...numbers) + 1, { configHash: configHash(svc), name, oneOff: true, ports });
    id = rec.id;
    // A terminal in raw mode while attached (set before the first output): keys, Ctrl-C included,
    // go to the container, as docker's do.
    if (tty && isatty(0)) restoreTerminal = rawTerminal();
    await startContainer(s, rec, { ...(attach ? { stdinFd: 0 } : {}), ...(tty ? { ttyOutFd: 1 } : {}) });
  } catch (e) {
    restoreTerminal();
    throw e;
  } finally {
    lock.release();
  }
  await notifySupervisor(project.name);
  if (o.detach) {
    process.stdout.write(name + '\n');
    return 0;
  }
  const { followLog } = await import('../../executor/supervisor/logs.ts');
  const dir = paths.container(id);
  // With a TTY the waiter writes the terminal's output straight to our stdout; else the log is followed.
  const stop = tty ? () => undefined
    : followLog(dir, (l) => (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.text + '\n'), { fromStart: true, intervalMs: 50 });
  const session = s;
  const onSig = () => { void stopContainer(session, session.journal.container(id) ?? ({} as never), {}); };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  let exit;
  try {
    exit = await s.engine.runtime.waitExit(dir);
  } finally {
    restoreTerminal();
    stop();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  if (o.rm) {
    await acquireLock(project.name, { command: 'run --rm' }).then(async (l) => {
      try {
        s.journal.reload();
        const c = s.journal.container(id);
        if (c) await removeContainer(s, c);
      } finally {
        l.release();
      }
    });
  }
  // The waiter's code is already 128+N for a command a signal ended.
  return exit.code;
}

function fdOpen(fd: number): boolean {
  try { fstatSync(fd); return true; } catch { return false; }
}

/** `stty raw -echo` on our terminal (stty, so Node never opens stdin itself); returns the undo. */
function rawTerminal(): () => void {
  const saved = spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'ignore'], encoding: 'utf8' }).stdout?.trim();
  if (!saved) return () => undefined;
  spawnSync('stty', ['raw', '-echo'], { stdio: ['inherit', 'ignore', 'ignore'] });
  return () => { spawnSync('stty', [saved], { stdio: ['inherit', 'ignore', 'ignore'] }); };
}
