// down, stop, start, restart, kill, rm, pause, unpause: each changes the journal holding the
// project lock and acts on the containers directly (their waiters own them, not the supervisor),
// then tells the live supervisor to re-read the journal. `down` works with or without a supervisor:
// it asks a live one to stop everything and exit, then removes all the journal lists.
import type { Command } from 'commander';
import { TscError } from '../../schema/errors.ts';
import { createProgress, progressMode, type Progress } from '../progress.ts';
import { acquireLock } from '../../executor/state/lock.ts';
import { readState } from '../../executor/state/journal.ts';
import { isAlive, realProc } from '../../executor/state/proc.ts';
import { targetOf, selectContainers, notifySupervisor, parseDurationFlag, type Target } from './project-target.ts';

async function session(t: Target, command: string, progress: Progress) {
  const { openSession } = await import('../../executor/supervisor/session.ts');
  const lock = await acquireLock(t.name, { command, timeoutMs: 120_000, onWait: (h) => progress.note(`Waiting for ${h ? `pid ${h.pid} (${h.command})` : 'another command'}`) });
  try {
    const s = await openSession(t.name);
    s.bus.subscribe((e) => progress.event(e));
    return { s, lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

export async function runDown(cmd: Command, opts: { volumes?: boolean; removeOrphans?: boolean; timeout?: string; rmi?: string }): Promise<number> {
  const t = await targetOf(cmd);
  const progress = createProgress(progressMode(t.globals.progress));
  const timeoutMs = parseDurationFlag(opts.timeout, '--timeout');
  const images = await import('../../executor/supervisor/down-images.ts');
  const rmi = images.parseRmi(opts.rmi);
  const { controlRequest, subscribeEvents } = await import('../../executor/supervisor/control.ts');
  // 1. A live supervisor stops everything (it knows what it is restarting) and exits; we show its stops.
  const before = readState(t.name).supervisor;
  let unsubscribe: (() => void) | undefined;
  try {
    unsubscribe = await subscribeEvents(t.name, (e) => { if (e.action === 'stop' || e.action === 'stopped') progress.event(e); });
    await controlRequest(t.name, 'shutdown', timeoutMs !== undefined ? { timeoutMs } : {}, (timeoutMs ?? 10_000) + 60_000);
  } catch { /* none, or it died: the journal is enough */ }
  unsubscribe?.();
  if (before && isAlive(realProc, before.pid, before.startTime)) {
    for (let i = 0; i < 100 && isAlive(realProc, before.pid, before.startTime); i++) await new Promise((r) => setTimeout(r, 30));
    // Not answering: it must not restart anything behind our back.
    if (isAlive(realProc, before.pid, before.startTime)) process.kill(before.pid, 'SIGKILL');
  }
  // 2. Remove everything the journal lists.
  const { s, lock } = await session(t, 'down', progress);
  try {
    const { downProject } = await import('../../executor/supervisor/down.ts');
    const declared = t.project ? Object.entries(t.project.volumes).map(([key, v]) => ({ key, name: v.name, external: v.external ?? false })) : [];
    // The journal forgets the containers as they go: note their images first.
    const used = rmi ? images.usedImages(t.name, t.project, Object.values(s.journal.state.containers)) : [];
    await downProject(s, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), volumes: opts.volumes === true, declaredVolumes: declared });
    if (rmi) {
      const { openImageStore } = await import('../../executor/image/store.ts');
      await images.removeImages(openImageStore(), images.imagesToRemove(rmi, used), s.emit);
    }
  } finally {
    lock.release();
    await progress.done();
  }
  return 0;
}

type Action = 'stop' | 'start' | 'restart' | 'kill' | 'rm' | 'pause' | 'unpause';

export async function runAction(action: Action, cmd: Command, services: string[], opts: { timeout?: string; signal?: string; force?: boolean; stop?: boolean; volumes?: boolean }): Promise<number> {
  const t = await targetOf(cmd);
  const progress = createProgress(progressMode(t.globals.progress));
  const timeoutMs = parseDurationFlag(opts.timeout, '--timeout');
  const { s, lock } = await session(t, action, progress);
  const { stopContainer, startContainer, removeContainer, isRunning } = await import('../../executor/supervisor/containers.ts');
  const { stopInReverseOrder, containerGraph } = await import('../../executor/supervisor/down.ts');
  const { walkGraph } = await import('../../executor/supervisor/run-graph.ts');
  let startSupervisor = false;
  try {
    const cs = selectContainers(s.journal.state, services);
    const so = timeoutMs !== undefined ? { timeoutMs } : {};
    switch (action) {
      case 'stop':
        await stopInReverseOrder(s, cs, so);
        break;
      case 'kill': {
        const sig = normSignal(opts.signal ?? 'SIGKILL');
        for (const c of cs) if (isRunning(s, c)) await stopContainer(s, c, { signal: sig });
        break;
      }
      case 'start':
      case 'restart': {
        if (action === 'restart') await stopInReverseOrder(s, cs, so);
        // With a live supervisor (it runs the healthchecks), depends_on conditions are awaited as in `up`.
        const { supervisorAlive, controlRequest } = await import('../../executor/supervisor/control.ts');
        const live = await supervisorAlive(t.name);
        const { Supervisor } = await import('../../executor/supervisor/supervisor.ts');
        const { waitDependencies } = await import('../../executor/supervisor/up.ts');
        const view = new Supervisor(s); // reads health.json / exit.json; tracks nothing
        const deps = s.journal.state.serviceDeps ?? {};
        const conds = t.project?.services;
        await walkGraph(containerGraph(s, cs), async (n) => {
          if (live && conds?.[n.c.service]) {
            const waits = Object.entries(conds[n.c.service]!.depends_on ?? {}).filter(([d]) => (deps[n.c.service] ?? []).includes(d))
              .map(([service, d]) => ({ service, condition: d.condition, required: d.required }));
            await waitDependencies(s, n.c.service, waits, view, { hashOf: () => '', depTimeoutMs: 120_000 });
          }
          await startContainer(s, s.journal.container(n.id) ?? n.c);
          if (live) await controlRequest(t.name, 'reload', {}, 3000).catch(() => undefined);
        }, {});
        startSupervisor = true;
        break;
      }
      case 'pause':
      case 'unpause':
        for (const c of cs) {
          if (!isRunning(s, c)) continue;
          if (action === 'pause') await s.engine.cgroups.freeze(c.cgroup);
          else await s.engine.cgroups.thaw(c.cgroup);
          s.journal.patchContainer(c.id, { desired: action === 'pause' ? 'paused' : 'running' });
          s.emit({ type: 'container', action, name: c.name, service: c.service, id: c.id });
        }
        break;
      case 'rm': {
        const running = cs.filter((c) => isRunning(s, c));
        if (running.length && !opts.stop && !opts.force) {
          throw new TscError('RUNNING', `Cannot remove running containers: ${running.map((c) => c.name).join(', ')}`, { hint: 'stop them first, or use -s / -f' });
        }
        await stopInReverseOrder(s, running, { timeoutMs: opts.force ? 0 : timeoutMs ?? 10_000 });
        for (const c of cs) await removeContainer(s, s.journal.container(c.id) ?? c);
        break;
      }
    }
  } finally {
    lock.release();
    await progress.done();
  }
  await notifySupervisor(t.name, { start: startSupervisor });
  return 0;
}

function normSignal(s: string): string {
  if (/^\d+$/.test(s)) return s;
  return s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
}
