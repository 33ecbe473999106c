// The per-project supervisor: watches every running container of the project through its waiter's
// exit record, applies restart policies with backoff, runs healthchecks (runtime execIn) and
// publishes their state. It is not the parent of the containers (their waiters are), so a
// supervisor can die and a new one `adopt()`s the running containers from the journal.
// Every journal change is made holding the project lock, after re-reading the file, because
// other commands (`stop`, `rm`) change it too.
import { writeFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../state/paths.ts';
import { withLock } from '../state/lock.ts';
import type { ContainerRecord } from '../state/journal.ts';
import type { Ctx } from './context.ts';
import type { ExitInfo } from './ports.ts';
import { isRunning, readMeta, startContainer } from './containers.ts';
import { decideRestart } from './restart-policy.ts';
import { applyProbe, initialHealth, nextProbeDelay, type HealthConfig, type HealthState } from './health.ts';
import { signalNumber } from './exit-code.ts';

interface Tracked {
  ac: AbortController;
  /** The PID 1 this entry watches: another command may have started a new run since. */
  pid?: number;
  health?: HealthState;
  exit?: ExitInfo;
  restarting?: boolean;
}

export function healthFile(id: string): string {
  return join(paths.container(id), 'health.json');
}

export function readHealth(id: string): HealthState | undefined {
  try { return JSON.parse(readFileSync(healthFile(id), 'utf8')) as HealthState; } catch { return undefined; }
}

function writeHealth(id: string, h: HealthState): void {
  const f = healthFile(id);
  writeFileSync(f + '.tmp', JSON.stringify(h));
  renameSync(f + '.tmp', f);
}

export class Supervisor {
  readonly ctx: Ctx;
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;
  /** Uses the lock (false in tests that run without one, and while the caller already holds it). */
  private readonly lockCommand: string;

  constructor(ctx: Ctx, o: { lockCommand?: string } = {}) {
    this.ctx = ctx;
    this.lockCommand = o.lockCommand ?? 'supervisor';
  }

  /** Starts watching every container the journal says should be running (a new supervisor after a crash). */
  adopt(): void {
    for (const c of Object.values(this.ctx.journal.state.containers)) {
      if (c.steps.includes('launch') && c.pid) this.track(c);
    }
    for (const id of this.tracked.keys()) if (!this.ctx.journal.state.containers[id]) this.untrack(id);
  }

  isTracked(id: string): boolean {
    return this.tracked.has(id);
  }

  track(c: ContainerRecord): void {
    if (this.closed) return;
    const known = this.tracked.get(c.id);
    if (known && (known.pid === c.pid || known.restarting)) return;
    if (known) this.untrack(c.id); // a new run started by another command (`start`, `restart`)
    const t: Tracked = { ac: new AbortController() };
    if (c.pid) t.pid = c.pid;
    const prev = readHealth(c.id);
    if (prev) t.health = prev;
    this.tracked.set(c.id, t);
    void this.watchExit(c, t);
    const meta = readMeta(c.id);
    if (meta.health) {
      t.health ??= initialHealth();
      void this.healthLoop(c, meta.health, t);
    }
  }

  untrack(id: string): void {
    this.tracked.get(id)?.ac.abort();
    this.tracked.delete(id);
  }

  health(id: string): HealthState | undefined {
    return this.tracked.get(id)?.health ?? readHealth(id);
  }

  /** Exit of the current run, if it ended (and no restart is pending). */
  lastExit(id: string): ExitInfo | undefined {
    return this.tracked.get(id)?.exit;
  }

  willRestart(id: string): boolean {
    return this.tracked.get(id)?.restarting ?? false;
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.tracked.keys()]) this.untrack(id);
  }

  private async mutate<T>(fn: () => Promise<T> | T): Promise<T> {
    return withLock(this.ctx.project, { command: this.lockCommand }, () => {
      this.ctx.journal.reload();
      return fn();
    });
  }

  private async watchExit(c: ContainerRecord, t: Tracked): Promise<void> {
    let exit: ExitInfo;
    try {
      exit = await this.ctx.engine.runtime.waitExit(paths.container(c.id), t.ac.signal);
    } catch {
      return; // untracked or closed
    }
    if (t.ac.signal.aborted) return;
    t.exit = exit;
    const code = exit.signal ? 128 + (signalNumber(exit.signal) ?? 0) : exit.code;
    const detail = exit.oomKilled ? 'OOM killed' : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    await this.decide(c.id, exit, code, detail, t);
  }

  private async decide(id: string, exit: ExitInfo, code: number, detail: string, t: Tracked): Promise<void> {
    const meta = readMeta(id);
    const now = this.ctx.engine.clock.now();
    let restartIn = -1;
    let count = 0;
    let cur: ContainerRecord | undefined;
    await this.mutate(() => {
      cur = this.ctx.journal.container(id);
      if (!cur || !meta.restart) return;
      const started = cur.startedAt ? Date.parse(cur.startedAt) : now;
      const d = decideRestart(meta.restart, code, { restartCount: cur.restartCount, ranMs: Math.max(0, now - started) }, cur.desired !== 'running');
      if (d.restart) {
        restartIn = d.delayMs;
        count = d.nextCount;
        t.restarting = true;
      }
    });
    if (!cur) return this.untrack(id);
    this.ctx.emit({ type: 'container', action: 'die', name: cur.name, service: cur.service, id, exitCode: code, detail });
    if (restartIn < 0) {
      this.ctx.emit({ type: 'container', action: 'exited', name: cur.name, service: cur.service, id, exitCode: code, detail });
      return;
    }
    try {
      await this.ctx.engine.clock.sleep(restartIn, t.ac.signal);
    } catch {
      return;
    }
    let restarted: ContainerRecord | undefined;
    await this.mutate(async () => {
      const c = this.ctx.journal.container(id);
      if (!c || c.desired !== 'running' || t.ac.signal.aborted) return;
      this.ctx.emit({ type: 'container', action: 'restart', name: c.name, service: c.service, id, detail: `restart ${count}` });
      this.ctx.journal.patchContainer(id, { restartCount: count });
      restarted = await startContainer(this.ctx, c);
    }).catch((e: unknown) => {
      this.ctx.emit({ type: 'container', action: 'error', name: cur!.name, service: cur!.service, id, detail: e instanceof Error ? e.message : String(e) });
    });
    t.restarting = false;
    if (restarted) {
      t.exit = undefined;
      if (restarted.pid) t.pid = restarted.pid;
      if (t.health) t.health = initialHealth();
      void this.watchExit(restarted, t);
    } else {
      this.ctx.emit({ type: 'container', action: 'exited', name: cur.name, service: cur.service, id, exitCode: code, detail });
    }
  }

  private async healthLoop(c0: ContainerRecord, cfg: HealthConfig, t: Tracked): Promise<void> {
    const clock = this.ctx.engine.clock;
    while (!t.ac.signal.aborted) {
      const c = this.ctx.journal.container(c0.id) ?? c0;
      const startedAt = c.startedAt ? Date.parse(c.startedAt) : clock.now();
      const h = t.health ?? initialHealth();
      try {
        await clock.sleep(nextProbeDelay(cfg, h, clock.now() - startedAt), t.ac.signal);
      } catch {
        return;
      }
      const cur = this.ctx.journal.container(c0.id) ?? c0;
      if (t.exit || t.restarting || !isRunning(this.ctx, cur) || cur.desired === 'paused') continue;
      const start = new Date(clock.now()).toISOString();
      const timeout = new AbortController();
      const onAbort = () => timeout.abort();
      t.ac.signal.addEventListener('abort', onAbort, { once: true });
      const timer = clock.sleep(cfg.timeoutMs, timeout.signal).then(() => 'timeout' as const, () => undefined);
      let r: { exitCode: number; output: string };
      try {
        const probe = this.ctx.engine.runtime.execIn({
          pid: cur.pid!, cgroupProcs: this.ctx.engine.cgroups.procsFiles(cur.cgroup), argv: cfg.argv, stdio: 'pipe', signal: timeout.signal,
        }).then((x) => ({ exitCode: x.code, output: x.output ?? '' }));
        const res = await Promise.race([probe, timer]);
        r = res === 'timeout' ? { exitCode: -1, output: `Health check exceeded timeout (${cfg.timeoutMs} ms)` } : res ?? { exitCode: -1, output: 'aborted' };
      } catch (e) {
        r = { exitCode: -1, output: e instanceof Error ? e.message : String(e) };
      } finally {
        timeout.abort();
        t.ac.signal.removeEventListener('abort', onAbort);
      }
      if (t.ac.signal.aborted) return;
      const before = t.health?.status;
      const next = applyProbe(cfg, t.health ?? initialHealth(), { start, end: new Date(clock.now()).toISOString(), ...r }, clock.now() - startedAt);
      t.health = next;
      try { writeHealth(c0.id, next); } catch { /* container dir removed meanwhile */ }
      if (next.status !== before) {
        this.ctx.emit({ type: 'container', action: 'health_status', name: cur.name, service: cur.service, id: cur.id, detail: next.status });
      }
    }
  }
}
