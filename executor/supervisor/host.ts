// The supervisor as a process: records itself in state.json (pid + start time), serves the control
// socket, hosts the embedded DNS, adopts the project's running containers, and lives until it is
// told to shut down (stop everything, reverse dependency order) or to detach (a new `up` takes over;
// containers keep running).
import type { Server } from 'node:net';
import { withLock } from '../state/lock.ts';
import { realProc } from '../state/proc.ts';
import { serveControl, type ControlOp } from './control.ts';
import { stopInReverseOrder } from './down.ts';
import type { Session } from './session.ts';
import type { Supervisor } from './supervisor.ts';

export type HostEnd = { how: 'shutdown' | 'detach' };

export class SupervisorHost {
  readonly s: Session;
  readonly sup: Supervisor;
  private server: Server | undefined;
  private dns: { close(): Promise<void> } | undefined;
  private endResolve!: (e: HostEnd) => void;
  readonly ended: Promise<HostEnd>;
  private stopping: Promise<void> | undefined;
  readonly hurry = new AbortController();

  constructor(s: Session, sup: Supervisor) {
    this.s = s;
    this.sup = sup;
    this.ended = new Promise((r) => { this.endResolve = r; });
  }

  /** Call holding the project lock (it writes the supervisor record). */
  async start(o: { dns?: boolean; onWarning?: (m: string) => void } = {}): Promise<void> {
    const st = realProc.startTime(process.pid);
    this.s.journal.update((x) => { x.supervisor = { pid: process.pid, since: new Date().toISOString(), ...(st !== undefined ? { startTime: st } : {}) }; });
    this.server = await serveControl(this.s.project, {
      handle: (op, args) => this.handle(op, args),
      subscribe: (fn) => this.s.bus.subscribe(fn),
    });
    if (o.dns !== false) {
      try {
        this.dns = await this.s.engine.net.startDns();
      } catch (e) {
        o.onWarning?.(`Embedded DNS not started: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private async handle(op: ControlOp, args: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'ping':
        return { pid: process.pid, project: this.s.project };
      case 'status':
        return Object.fromEntries(Object.keys(this.s.journal.state.containers).map((id) => [id, this.sup.health(id)?.status ?? null]));
      case 'reload':
        this.s.journal.reload();
        this.sup.adopt();
        return 'ok';
      case 'shutdown': {
        const t = typeof args.timeoutMs === 'number' ? args.timeoutMs : undefined;
        // A failed stop (KILL_TIMEOUT) goes back to the caller; the supervisor goes anyway.
        try {
          await this.stopAll(t);
        } finally {
          setImmediate(() => void this.end('shutdown'));
        }
        return 'stopped';
      }
      case 'detach':
        setImmediate(() => void this.end('detach'));
        return 'detaching';
      default:
        throw new Error(`unknown op "${op}"`);
    }
  }

  /** Graceful stop of every container, dependents first; `hurryUp()` turns the rest into SIGKILL. */
  stopAll(timeoutMs?: number): Promise<void> {
    this.stopping ??= withLock(this.s.project, { command: 'supervisor stop', timeoutMs: 120_000 }, async () => {
      this.s.journal.reload();
      const o: { timeoutMs?: number; hurry: AbortSignal } = { hurry: this.hurry.signal };
      if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
      await stopInReverseOrder(this.s, Object.values(this.s.journal.state.containers), o);
    });
    return this.stopping;
  }

  /**
   * stopAll, then end, whatever happens: a stop that fails (a PID whose exit never comes, a
   * cgroup that will not empty) is reported through `onError` and never keeps the supervisor, or
   * a foreground `up`, waiting for ever. The journal keeps what is left for `down`.
   */
  async shutdown(timeoutMs?: number, onError?: (e: unknown) => void): Promise<void> {
    try {
      await this.stopAll(timeoutMs);
    } catch (e) {
      onError?.(e);
    } finally {
      await this.end('shutdown');
    }
  }

  hurryUp(): void {
    this.hurry.abort();
  }

  async end(how: HostEnd['how']): Promise<void> {
    this.sup.close();
    this.server?.close();
    this.server = undefined;
    await this.dns?.close().catch(() => undefined);
    this.dns = undefined;
    try {
      await withLock(this.s.project, { command: 'supervisor exit', timeoutMs: 5000 }, () => {
        this.s.journal.reload();
        if (this.s.journal.state.supervisor?.pid === process.pid) this.s.journal.update((x) => { delete x.supervisor; });
      });
    } catch { /* state gone (down) or lock busy: the record is checked by pid + start time anyway */ }
    this.endResolve({ how });
  }
}
