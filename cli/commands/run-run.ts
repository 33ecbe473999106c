// `run`: dependencies via `up -d --wait` (one dependency engine for up and run: PAIN-POINTS.md #2),
// then the one-off container, created from the service with the command line's overrides,
// followed until it exits (its output is its log file, written by its waiter).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
  const svc: Service = { ...base, environment: env, restart: 'no' };
  delete svc.deploy;
  delete svc.container_name;
  if (command.length) svc.command = command;
  if (o.entrypoint !== undefined) svc.entrypoint = o.entrypoint === '' ? [] : [o.entrypoint];
  if (o.user) svc.user = o.user;
  if (o.workdir) svc.working_dir = o.workdir;
  const ports = o.servicePorts ? base.ports ?? [] : (o.publish ?? []).map(parsePublish);
  const oneOff: Project = { ...project, services: { ...project.services, [serviceName]: svc } };
  const name = o.name ?? `${project.name}-${serviceName}-run-${randomBytes(6).toString('hex')}`;

  const { openSession } = await import('../../executor/supervisor/session.ts');
  const { createContainer, startContainer, removeContainer, stopContainer } = await import('../../executor/supervisor/containers.ts');
  const { configHash } = await import('../../planner/hash.ts');
  const lock = await acquireLock(project.name, { command: 'run', timeoutMs: 120_000 });
  let s;
  let id: string;
  try {
    s = await openSession(project.name);
    s.bus.subscribe((e) => { if (e.action === 'error') progress.event(e); });
    const numbers = Object.values(s.journal.state.containers).filter((c) => c.service === serviceName && c.oneOff).map((c) => c.number);
    const rec = await createContainer(s, oneOff, serviceName, Math.max(0, ...numbers) + 1, { configHash: configHash(svc), name, oneOff: true, ports });
    id = rec.id;
    await startContainer(s, rec);
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
  const stop = followLog(dir, (l) => (l.stream === 'stderr' ? process.stderr : process.stdout).write(l.text + '\n'), { fromStart: true, intervalMs: 50 });
  const session = s;
  const onSig = () => { void stopContainer(session, session.journal.container(id) ?? ({} as never), {}); };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  const exit = await s.engine.runtime.waitExit(dir);
  stop();
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
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
  return exit.signal ? 128 + Number(exit.signal) : exit.code;
}
