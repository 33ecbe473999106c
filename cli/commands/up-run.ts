// `up` and the supervisor process. The same code path serves the foreground `up` (this process
// supervises and prints logs), the detached supervisor started by `up -d` (reports events on an
// inherited pipe until the plan — and with --wait, the wait — is done), and `supervise` (adopts
// what is running). Exit codes and Ctrl-C follow PAIN-POINTS.md #4 and #7.
import { spawn } from 'node:child_process';
import { createWriteStream, openSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Project } from '../../schema/model.ts';
import { TscError, UsageError } from '../../schema/errors.ts';
import { renderError } from '../render-error.ts';
import { globalsOf } from '../global-options.ts';
import { loadOptionsOf, loadProjectFor } from '../load-project.ts';
import { loadProjectSyncLazily, takeHandover, writeHandover } from '../handover.ts';
import { createProgress, progressMode, resourcesOfPlan, type PlannedResource, type Progress } from '../progress.ts';
import { paths, runDir } from '../../executor/state/paths.ts';
import { acquireLock, type ProjectLock } from '../../executor/state/lock.ts';
import { observe } from '../../executor/state/observe.ts';
import { isAlive } from '../../executor/state/proc.ts';
import type { ProjectEvent } from '../../executor/supervisor/events.ts';
import type { Session } from '../../executor/supervisor/session.ts';
import type { Supervisor } from '../../executor/supervisor/supervisor.ts';
import type { SupervisorHost } from '../../executor/supervisor/host.ts';
import type { ContainerExit } from '../../executor/supervisor/exit-code.ts';
import type { WaitView } from '../../executor/supervisor/wait.ts';
import { selfArgv, parseDurationFlag, SUPERVISOR_NODE_FLAGS, supervisorEnv } from './project-target.ts';
import { planFormat, type UpOpts } from './up.ts';

export async function runUp(cmd: Command, services: string[], opts: UpOpts): Promise<number> {
  const g = globalsOf(cmd);
  if (opts.exitCodeFrom && opts.detach) throw new UsageError('--exit-code-from and -d cannot be combined');
  if (opts.abortOnContainerExit && opts.detach) throw new UsageError('--abort-on-container-exit and -d cannot be combined');
  const waitMs = parseDurationFlag(opts.waitTimeout, '--wait-timeout');
  const json = planFormat(opts);
  const detach = (opts.detach || opts.wait) && !opts.supervisorFd && !opts.dryRun;
  const pulls = await import('../../executor/supervisor/pull-images.ts');
  const pullFlag = pulls.parsePullFlag(opts.pull);
  // The client of `up -d` loads the stack file, builds images first (live progress, Ctrl-C
  // cancels them), and hands the loaded project to the supervisor (cli/handover.ts).
  if (detach) {
    const loaded = await loadProjectFor(g);
    if (opts.build !== false) await buildBeforeUp(cmd, pulls.applyPullFlag(loaded, pullFlag), services, opts);
    return spawnDetached(cmd, loaded);
  }

  const fd = opts.supervisorFd ? Number(opts.supervisorFd) : undefined;
  const report = fd !== undefined ? pipeReporter(fd) : undefined;
  const progress: Progress = report ? { event: (e) => report.send({ event: e }), note: (l) => report.send({ note: l }), done() {} } : createProgress(progressMode(g.progress));
  const enginePreload = import('../../executor/supervisor/engine.ts'); // overlaps with loading the stack file
  enginePreload.catch(() => undefined);
  let project: Project;
  try {
    // `--pull X` is every service's pull_policy X (compose applies it to the model the same way).
    // A supervisor of `up -d` gets the client's project (no schema layer loaded here).
    const handed = report ? takeHandover(() => loadProjectSyncLazily()(loadOptionsOf(g, { onWarning: () => undefined }))) : undefined;
    project = pulls.applyPullFlag(handed ?? await loadProjectFor(g), pullFlag);
    if (opts.exitCodeFrom && !project.services[opts.exitCodeFrom]) throw new UsageError(`No such service: "${opts.exitCodeFrom}"`);
  } catch (e) {
    if (!report) throw e;
    report.send({ done: true, ok: false, message: errorText(e), exitCode: e instanceof TscError ? e.exitCode : 1 });
    report.close();
    return 1;
  }
  if (report) moveLogIntoProject(project.name);
  // The JSON plan is the whole of stdout: the builds a dry run would do are not said there.
  if (!report && opts.build !== false && !json) await buildBeforeUp(cmd, project, services, opts);
  try {
    return await planAndSupervise();
  } catch (e) {
    if (!report) throw e;
    report.send({ done: true, ok: false, message: errorText(e), exitCode: e instanceof TscError ? e.exitCode : 1 });
    report.close();
    return 1;
  }

  async function planAndSupervise(): Promise<number> {
    const timeoutMs = parseDurationFlag(opts.timeout, '--timeout');
    const { openImageStore } = await import('../../executor/image/store.ts');
    const store = openImageStore();
    // Pulls before planning, so the plan compares the digests of the images the containers will run.
    if (!opts.dryRun) {
      const { normalizeRef } = await import('../../executor/image/ref.ts');
      project = await pulls.pullForUp(project, pulls.pullStore(store, normalizeRef), {
        services, ...(opts.deps === false ? { noDeps: true } : {}),
        emit: (e) => progress.event({ time: new Date().toISOString(), ...e }),
      });
    }

    const { supervisorAlive, controlRequest } = await import('../../executor/supervisor/control.ts');
    const { plan, renderPlan, planToJson } = await import('../../planner/plan.ts');
    const { openSession } = await import('../../executor/supervisor/session.ts');

    // A running supervisor hands over: it exits, its containers keep running, we adopt them.
    if (!opts.dryRun && await supervisorAlive(project.name)) {
      await controlRequest(project.name, 'detach', {}, 5000).catch(() => undefined);
      await waitSupervisorGone(project.name);
    }
    const lock = await acquireLock(project.name, { command: 'up', timeoutMs: 120_000, onWait: (h) => progress.note(`Waiting for ${h ? `pid ${h.pid} (${h.command})` : 'another command'} to release project "${project.name}"`) });
    let s: Session;
    try {
      s = await openSession(project.name);
    } catch (e) {
      lock.release();
      throw e;
    }
    const observed = observe(s.journal.state, { proc: s.proc, readExit: (c) => s.engine.runtime.readExit(paths.container(c.id)) });
    const scale: Record<string, number> = {};
    for (const kv of opts.scale ?? []) {
      const [k, v] = kv.split('=');
      if (!k || v === undefined || !/^\d+$/.test(v)) { lock.release(); throw new UsageError(`--scale: expected SERVICE=NUM, got "${kv}"`); }
      scale[k] = Number(v);
    }
    let planned;
    try {
      // Every service's image digest (built or pulled): an image that changed recreates its containers.
      const imageDigests = await pulls.imageDigestsOf(project, store);
      planned = plan(project, observed, {
        ...(Object.keys(imageDigests).length ? { imageDigests } : {}),
        services, ...(opts.deps === false ? { noDeps: true } : {}), ...(opts.forceRecreate ? { forceRecreate: true } : {}),
        ...(opts.noRecreate || opts.recreate === false ? { noRecreate: true } : {}), ...(opts.removeOrphans ? { removeOrphans: true } : {}),
        ...(opts.start === false ? { noStart: true } : {}), ...(Object.keys(scale).length ? { scale } : {}),
      });
    } catch (e) {
      lock.release();
      throw e;
    }
    if (opts.dryRun) {
      lock.release();
      process.stdout.write(json ? JSON.stringify(planToJson(planned), null, 2) + '\n' : renderPlan(planned) + '\n');
      return 0;
    }
    // On a TTY the plan's resources become listr2 tasks; the supervisor of `up -d` sends them to its client.
    const resources = resourcesOfPlan(planned.operations);
    if (report) report.send({ resources });
    const mode = progressMode(g.progress);
    const planProgress = !report && mode === 'tty' ? createProgress('tty', process.stderr, resources) : progress;
    return superviseProject(s, lock, planProgress, {
      after: progress,
      project, planned, opts, report, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(waitMs !== undefined ? { waitMs } : {}),
    });
  }
}

/** `up`'s builds (--build: all it starts; default: missing images and pull_policy: build; --no-build: none). */
async function buildBeforeUp(cmd: Command, project: Project, services: string[], opts: UpOpts): Promise<void> {
  const { buildForUp } = await import('./build-run.ts');
  await buildForUp(project, {
    services, deps: opts.deps !== false, mode: opts.build === true ? 'always' : 'missing', progress: progressMode(globalsOf(cmd).progress),
    ...(opts.dryRun ? { dryRun: true } : {}),
  });
}

interface Reporter { send(o: unknown): void; close(): void }

/** JSON lines to the `up -d` client on an inherited pipe; a gone client is ignored (EPIPE). */
function pipeReporter(fd: number): Reporter {
  const out = createWriteStream('', { fd, autoClose: true });
  let open = true;
  out.on('error', () => { open = false; });
  return {
    send(o) { if (open) out.write(JSON.stringify(o) + '\n'); },
    close() { if (open) { open = false; out.end(); } },
  };
}

async function waitSupervisorGone(project: string): Promise<void> {
  const { readState } = await import('../../executor/state/journal.ts');
  const { realProc } = await import('../../executor/state/proc.ts');
  for (let i = 0; i < 200; i++) {
    const sv = readState(project).supervisor;
    if (!sv || !isAlive(realProc, sv.pid, sv.startTime)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface SuperviseOptions {
  /** Progress for what happens after the plan (the plan's own may be a finished listr2 list). */
  after?: Progress;
  project?: Project;
  planned?: import('../../planner/plan.ts').Plan;
  opts?: UpOpts;
  report?: Reporter | undefined;
  timeoutMs?: number;
  waitMs?: number;
}

/** Runs the plan (if any), then supervises until shutdown, detach, Ctrl-C/SIGTERM, or (foreground) every container is done. */
async function superviseProject(s: Session, lock: ProjectLock, progress: Progress, o: SuperviseOptions): Promise<number> {
  const { Supervisor } = await import('../../executor/supervisor/supervisor.ts');
  const { SupervisorHost } = await import('../../executor/supervisor/host.ts');
  const { runPlan } = await import('../../executor/supervisor/up.ts');
  const opts = o.opts;
  const foreground = opts !== undefined && !o.report;
  const sup: Supervisor = new Supervisor(s);
  const host: SupervisorHost = new SupervisorHost(s, sup);
  const unsub = s.bus.subscribe((e) => progress.event(e));
  try {
    await host.start({ onWarning: (m) => progress.note(`WARN ${m}`) });
    sup.adopt();
  } catch (e) {
    lock.release();
    unsub();
    throw e;
  }

  // A stop that failed is said, and the supervisor ends anyway (the journal keeps it for `down`).
  const stopFailed = (e: unknown) => { progress.note(`Error while stopping: ${errorText(e)}`); };
  // Signals: the first stops gracefully (reverse dependency order), the second kills.
  let signalled: NodeJS.Signals | undefined;
  const planAbort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!signalled) {
      signalled = sig;
      planAbort.abort(new TscError('INTERRUPTED', `Interrupted by ${sig}`, { exitCode: 130 }));
      progress.note(foreground ? 'Gracefully stopping... (press Ctrl+C again to force)' : `Stopping on ${sig}`);
      void host.shutdown(o.timeoutMs, stopFailed);
    } else {
      progress.note('Killing...');
      host.hurryUp();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', () => undefined); // the terminal going away must not kill the supervisor

  const exits: ContainerExit[] = [];
  let abortedBy: ContainerExit | undefined;
  const stoppedByUs = new Set<string>();
  const { abortOn, upExitCode } = await import('../../executor/supervisor/exit-code.ts');
  const oneShots = o.project ? Object.values(o.project.services).flatMap((sv) => Object.entries(sv.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([n]) => n)) : [];
  const abortOpts = {
    abortOnContainerExit: opts?.abortOnContainerExit === true, abortOnContainerFailure: opts?.abortOnContainerFailure === true,
    ...(opts?.exitCodeFrom ? { exitCodeFrom: opts.exitCodeFrom } : {}), oneShots,
  };
  const say = (l: string) => process.stdout.write(l + '\n');
  s.bus.subscribe((e) => {
    if (e.action === 'stop' && e.id) stoppedByUs.add(e.id);
    if (e.action !== 'exited' || !e.id) return;
    const x: ContainerExit = { service: e.service ?? '', name: e.name, code: e.exitCode ?? 0, signal: null, stoppedByUs: stoppedByUs.has(e.id) };
    exits.push(x);
    if (!foreground) return;
    say(`${e.name} exited with code ${e.exitCode ?? 0}`);
    if (abortedBy || signalled) return;
    const d = abortOn(abortOpts, x);
    if (!d.abort) return;
    abortedBy = x;
    say(d.message!);
    planAbort.abort(new TscError('ABORTED', d.message!));
    void host.shutdown(o.timeoutMs, stopFailed);
  });

  const { followLog, Prefixer } = await import('../../executor/supervisor/logs.ts');
  const attach = opts?.attach;
  const all = () => Object.values(s.journal.state.containers).filter((c) => !c.oneOff);
  const prefixer = new Prefixer({ colour: opts?.color !== false && process.stdout.isTTY === true, enabled: opts?.logPrefix !== false, timestamps: opts?.timestamps === true, names: all().map((c) => c.name) });
  const stops = new Map<string, () => void>();
  const upStarted = Date.now() - 1000;
  const follow = () => {
    for (const c of all()) {
      if (stops.has(c.id) || (attach && !attach.includes(c.service))) continue;
      stops.set(c.id, followLog(paths.container(c.id), (l) => { process.stdout.write(prefixer.format(c.name, c.service, l) + '\n'); }, { fromStart: Date.parse(c.startedAt ?? c.createdAt) >= upStarted || c.desired !== 'running' }));
    }
  };
  // With a listr2 list on screen, logs wait for the plan to end (they start from the beginning anyway).
  const deferLogs = o.after !== undefined && o.after !== progress;
  let refollow = foreground && !deferLogs ? setInterval(follow, 200) : undefined;

  let failure: unknown;
  if (o.planned && o.project) {
    const { configHash } = await import('../../planner/hash.ts');
    const project = o.project;
    try {
      await runPlan(s, project, o.planned, sup, {
        hashOf: (svc) => configHash(project.services[svc]!),
        signal: planAbort.signal,
        onWarning: (m) => progress.note(`WARN ${m}`),
        ...(opts?.deps === false ? { noDeps: true } : {}),
        ...(opts?.start === false ? { noStart: true } : {}),
        ...(o.timeoutMs !== undefined ? { stopTimeoutMs: o.timeoutMs } : {}),
      });
    } catch (e) {
      failure = e;
    }
  }
  lock.release();

  if (o.report) {
    // Detached: tell the `up -d` client how it went (after --wait when asked), then carry on.
    let ok = failure === undefined;
    let message = failure ? errorText(failure) : '';
    if (ok && opts?.wait) {
      const planned = new Set((o.planned?.operations ?? []).map((op) => op.service).filter((x): x is string => !!x));
      const w = await waitReady(s, sup, o.waitMs, (l) => o.report!.send({ note: l }), planned);
      ok = w.ok;
      message = w.message;
    }
    o.report.send({ done: true, ok, message, exitCode: failure instanceof TscError ? failure.exitCode : 1 });
    o.report.close();
    unsub();
    await host.ended;
    exitSoon();
    return 0;
  }

  if (failure && !signalled && !abortedBy) {
    if (refollow) clearInterval(refollow);
    await progress.done();
    renderError(failure, { debug: false });
    (o.after ?? progress).note('Stopping what was started');
    await host.shutdown(o.timeoutMs, stopFailed);
    unsub();
    return failure instanceof TscError ? failure.exitCode : 1;
  }
  await progress.done();
  const after = o.after ?? progress;

  if (!foreground) {
    // `supervise`: until told otherwise.
    unsub();
    await host.ended;
    exitSoon();
    return 0;
  }

  // Foreground: logs are printed (follow), abort rules apply; end when everything is down.
  unsub();
  const SHOWN = new Set(['stop', 'stopped', 'kill', 'restart', 'error']);
  s.bus.subscribe((e) => { if (SHOWN.has(e.action)) after.event(e); });
  follow();
  refollow ??= setInterval(follow, 200);
  // Nothing left running (and nothing about to restart): compose's attached `up` returns too.
  const idle = setInterval(() => {
    if (signalled || abortedBy) return;
    const cs = all();
    const running = cs.some((c) => c.desired === 'running' && (isAlive(s.proc, c.pid, c.pidStart) || sup.willRestart(c.id)));
    if (!running) void host.end('shutdown');
  }, 300);
  await host.ended;
  exitSoon();
  clearInterval(idle);
  if (refollow) clearInterval(refollow);
  for (const stop of stops.values()) stop();
  if (opts?.exitCodeFrom || abortedBy) {
    // Containers we stopped count as such: never 0 for one that was killed.
    for (const x of exits) if (stoppedByUs.has(Object.values(s.journal.state.containers).find((c) => c.name === x.name)?.id ?? '')) x.stoppedByUs = true;
    return upExitCode(abortOpts, exits, abortedBy);
  }
  return signalled ? 130 : 0;
}

/**
 * A supervisor that was told to go must be gone promptly (`down` waits for it, then removes
 * everything): a lingering handle (a watcher of a part) must not keep it alive.
 */
function exitSoon(): void {
  setTimeout(() => process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode)), 100).unref();
}

function errorText(e: unknown): string {
  const parts = [e instanceof Error ? e.message : String(e)];
  if (e instanceof TscError && e.hint) parts.push(`hint: ${e.hint}`);
  return parts.join('\n');
}

/** `--wait`: poll the containers until every one is ready (or completed), or one fails, or the timeout. */
async function waitReady(s: Session, sup: Supervisor, timeoutMs: number | undefined, note: (l: string) => void, services: Set<string>): Promise<{ ok: boolean; message: string }> {
  const { waitVerdict } = await import('../../executor/supervisor/wait.ts');
  const { readMeta } = await import('../../executor/supervisor/containers.ts');
  const { containerStatus } = await import('../../executor/state/observe.ts');
  const t0 = Date.now();
  let last = '';
  for (;;) {
    const views: WaitView[] = Object.values(s.journal.state.containers).filter((c) => !c.oneOff && services.has(c.service)).map((c) => {
      const exit = sup.lastExit(c.id) ?? s.engine.runtime.readExit(paths.container(c.id));
      const st = containerStatus(c, { proc: s.proc, readExit: () => exit });
      const meta = readMeta(c.id);
      const v: WaitView = { name: c.name, status: st, oneShot: (meta.restart?.kind ?? 'no') === 'no' };
      const h = sup.health(c.id);
      if (meta.health) v.health = h?.status ?? 'starting';
      if (exit) v.exitCode = exit.signal ? 128 + Number(exit.signal) : exit.code;
      if (sup.willRestart(c.id)) v.restarting = true;
      return v;
    });
    const v = waitVerdict(views);
    if (v.state === 'ready') { for (const l of v.lines) note(` ${l}`); return { ok: true, message: '' }; }
    if (v.state === 'failed') return { ok: false, message: `Wait failed: ${v.reason}` };
    const now = `Waiting for ${v.waitingFor.join(', ')}`;
    if (now !== last) { note(now); last = now; }
    if (timeoutMs !== undefined && Date.now() - t0 > timeoutMs) return { ok: false, message: `Wait timed out after ${Math.round(timeoutMs / 1000)} s: ${v.waitingFor.join(', ')}` };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The detached supervisor's output file, named before the project is known, moved into the project dir once it is. */
const LOG_ENV = 'TSCOMPOSE_SUPERVISOR_LOG';

function moveLogIntoProject(project: string): void {
  const tmp = process.env[LOG_ENV];
  if (!tmp) return;
  try {
    mkdirSync(paths.project(project), { recursive: true, mode: 0o700 });
    renameSync(tmp, join(paths.project(project), 'supervisor.log'));
  } catch { /* keep writing where we are */ }
}

/** `up -d`: start the supervisor detached (new session), show its progress, return when it says the plan is done. */
async function spawnDetached(cmd: Command, project: Project): Promise<number> {
  mkdirSync(runDir(), { recursive: true, mode: 0o755 });
  const handover = writeHandover(runDir(), project);
  try {
    return await runDetached(cmd, handover.env);
  } finally {
    handover.remove(); // read by then (or the supervisor died)
  }
}

async function runDetached(cmd: Command, handoverEnv: Record<string, string>): Promise<number> {
  const g = globalsOf(cmd);
  const mode = progressMode(g.progress);
  let progress = createProgress(mode);
  // The client built what was missing: the supervisor never builds.
  const argv = [...process.argv.slice(2).filter((a) => a !== '-d' && a !== '--detach' && a !== '--build' && a !== '--no-build'), '--no-build'];
  mkdirSync(runDir(), { recursive: true, mode: 0o755 });
  const logFile = join(runDir(), `.supervisor-${process.pid}-${Date.now()}.log`);
  const log = openSync(logFile, 'a', 0o600);
  const { cmd: node, args } = selfArgv([...argv, '--supervisor-fd', '3'], SUPERVISOR_NODE_FLAGS);
  const child = spawn(node, args, { detached: true, stdio: ['ignore', log, log, 'pipe'], env: supervisorEnv({ ...process.env, ...handoverEnv, [LOG_ENV]: logFile }), cwd: process.cwd() });
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  let result: { ok: boolean; message: string; exitCode: number } | undefined;
  const rl = createInterface({ input: pipe });
  for await (const line of rl) {
    let m: { event?: ProjectEvent; note?: string; done?: boolean; ok?: boolean; message?: string; exitCode?: number; resources?: PlannedResource[] };
    try { m = JSON.parse(line) as typeof m; } catch { continue; }
    if (m.resources && mode === 'tty') progress = createProgress(mode, process.stderr, m.resources);
    if (m.event) progress.event(m.event);
    if (m.note) progress.note(m.note);
    if (m.done) { result = { ok: m.ok === true, message: m.message ?? '', exitCode: m.exitCode ?? 1 }; break; }
  }
  rl.close();
  child.unref();
  await progress.done();
  if (!result) {
    process.stderr.write(`The supervisor ended before the plan was done; see its output in ${logFile} (or supervisor.log in the project's run dir)\n`);
    return 1;
  }
  if (!result.ok) {
    process.stderr.write(result.message + '\n');
    return result.exitCode;
  }
  return 0;
}

/** `tscompose supervise`: adopt the project's containers and supervise them. */
export async function runSupervise(cmd: Command): Promise<number> {
  const g = globalsOf(cmd);
  const name = g.projectName ?? (await loadProjectFor(g)).name;
  const { supervisorAlive } = await import('../../executor/supervisor/control.ts');
  if (await supervisorAlive(name)) return 0;
  const { openSession } = await import('../../executor/supervisor/session.ts');
  const lock = await acquireLock(name, { command: 'supervise', timeoutMs: 60_000 });
  const s = await openSession(name);
  const progress = createProgress('plain', process.stdout);
  return superviseProject(s, lock, progress, {});
}
