// Recording fakes for the supervisor's Engine: every host object a real part would create is a
// string in `live` (so a test asserts "nothing left" exactly), every call is in `calls`, and any
// call can be made to fail — either before the object exists or after (a crash between the
// kernel call and our next journal write: the harsh case for teardown).
import type { Engine, ExitInfo, ImageInfo, Clock } from '../../../executor/supervisor/ports.ts';
import type { ProcReader } from '../../../executor/state/proc.ts';
import { Journal } from '../../../executor/state/journal.ts';
import { EventBus } from '../../../executor/supervisor/events.ts';
import type { Ctx } from '../../../executor/supervisor/context.ts';
import type { Project, Service } from '../../../schema/model.ts';
import { signalNumber } from '../../../executor/supervisor/exit-code.ts';

export class Crash extends Error {
  constructor(op: string) { super(`injected failure at ${op}`); }
}

/** Virtual time: `sleep` timers fire in due order whenever nothing else is runnable. */
export class FakeClock implements Clock {
  t = Date.now();
  private timers: { due: number; resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }[] = [];
  private scheduled = false;

  now(): number { return this.t; }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = { due: this.t + ms, resolve, reject, ...(signal ? { signal } : {}) };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal.reason);
      }, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Let every ready promise chain and immediate run first: only then is it "later".
    setTimeout(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.due - b.due);
      const next = this.timers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.due);
      next.resolve();
      if (this.timers.length) this.schedule();
    }, 1);
  }
}

interface FakeProc {
  id: string;
  pid: number;
  start: number;
  alive: boolean;
  ignoresTerm: boolean;
  exit?: ExitInfo;
  waiters: ((e: ExitInfo) => void)[];
}

export interface FakeEngineOptions {
  /** Containers of these services ignore SIGTERM (busybox sleep as PID 1 does). */
  ignoreTerm?: string[];
  /** Probe exit code for a container of a service (healthchecks). */
  probe?: (service: string, n: number) => number;
}

export class FakeEngine {
  readonly live = new Set<string>();
  readonly calls: string[] = [];
  readonly clock = new FakeClock();
  readonly procs = new Map<string, FakeProc>(); // by container dir
  private nextPid = 5000;
  private fail?: { op: string; after: boolean };
  private readonly probeCount = new Map<string, number>();
  readonly opts: FakeEngineOptions;

  constructor(opts: FakeEngineOptions = {}) { this.opts = opts; }

  failAt(op: string, after = false): void {
    this.fail = { op, after };
  }

  private call(op: string, obj?: string, fn?: () => void): void {
    this.calls.push(op + (obj ? ` ${obj}` : ''));
    const f = this.fail;
    if (f?.op === op && !f.after) { this.fail = undefined; throw new Crash(op); }
    if (obj) this.live.add(obj);
    fn?.();
    if (f?.op === op && f.after) { this.fail = undefined; throw new Crash(op); }
  }

  private drop(op: string, obj: string): void {
    this.calls.push(`${op} ${obj}`);
    this.live.delete(obj);
  }

  /** The container's PID 1 exits by itself. */
  exitContainer(dirSuffix: string, code: number): void {
    for (const [dir, p] of this.procs) if (dir.endsWith(dirSuffix) && p.alive) this.finish(p, { code, signal: null });
  }

  private finish(p: FakeProc, e: ExitInfo): void {
    p.alive = false;
    p.exit = e;
    this.live.delete(`proc ${p.id}`);
    for (const w of p.waiters.splice(0)) w(e);
  }

  procOf(id: string): FakeProc | undefined {
    for (const p of this.procs.values()) if (p.id === id) return p;
    return undefined;
  }

  readonly proc: ProcReader = {
    startTime: (pid) => {
      for (const p of this.procs.values()) if (p.pid === pid && p.alive) return p.start;
      return undefined;
    },
  };

  engine(): Engine {
    const image: ImageInfo = { ref: 'busybox', id: 'sha256:img', config: { Cmd: ['sh'] }, layerDirs: ['/l1'] };
    return {
      clock: this.clock,
      images: { ensure: async (ref) => { this.call('images.ensure'); return { ...image, ref }; } },
      volumes: {
        ensure: async (name) => { this.call('volumes.ensure', `volume ${name}`); return `/vol/${name}`; },
        anonymousName: () => `anon${this.nextPid++}`,
        prepare: async (o) => {
          const out = { volumes: {} as Record<string, string>, anonymousVolumes: {} as Record<string, string>, anonymousNames: {} as Record<string, string> };
          this.calls.push('volumes.prepare');
          for (const v of o.service.volumes ?? []) {
            if (v.type !== 'volume') continue;
            if (v.source) {
              const name = o.project.volumes[v.source]?.name ?? v.source;
              this.call('volumes.ensure', `volume ${name}`);
              out.volumes[v.source] = `/vol/${name}`;
            } else {
              const name = o.reuseAnonymous[v.target]!;
              this.call('volumes.ensure', `volume ${name}`);
              out.anonymousNames[v.target] = name;
            }
          }
          return out;
        },
        remove: async (name) => { this.drop('volumes.remove', `volume ${name}`); },
      },
      rootfs: {
        mount: async (o) => { this.call('rootfs.mount', `mount ${o.containerDir}`); return { merged: `${o.containerDir}/merged` }; },
        unmount: async (dir) => { this.drop('rootfs.unmount', `mount ${dir}`); },
      },
      cgroups: {
        resourcesOf: (s: Service) => ({ mem: s.mem_limit }),
        create: (project, id) => { this.call('cgroups.create', `cgroup ${project}/${id}`); return { project, id }; },
        procsFiles: (h) => [`/cg/${(h as { id: string }).id}/cgroup.procs`],
        freeze: () => { this.calls.push('cgroups.freeze'); },
        thaw: () => { this.calls.push('cgroups.thaw'); },
        stats: () => ({}),
        oomKilled: () => false,
        killAll: (h) => {
          this.calls.push('cgroups.killAll');
          const id = (h as { id: string } | undefined)?.id;
          for (const p of this.procs.values()) if (p.id === id && p.alive) this.finish(p, { code: 137, signal: 'SIGKILL' });
        },
        remove: (project, id) => { this.drop('cgroups.remove', `cgroup ${project}/${id}`); },
        removeProject: (project) => { this.calls.push(`cgroups.removeProject ${project}`); },
        pids: () => [],
      },
      net: {
        createNetns: (id) => { this.call('net.createNetns', `netns ${id}`); return `/run/netns/${id}`; },
        removeNetns: (id) => { this.drop('net.removeNetns', `netns ${id}`); },
        ensureNetwork: async (_p, _k, net) => { this.call('net.ensureNetwork', `network ${net.name}`); return { bridge: net.name }; },
        removeNetwork: async (name) => { this.drop('net.removeNetwork', `network ${name}`); },
        attach: async (_ns, c) => { this.call('net.attach', `attach ${c.id}`); },
        detach: async (id) => { this.drop('net.detach', `attach ${id}`); },
        publish: async (id, ports) => { this.call('net.publish', `publish ${id}`); return ports.map((p) => `0.0.0.0:${p.published}->${p.target}/tcp`); },
        unpublish: async (id) => { this.drop('net.unpublish', `publish ${id}`); },
        initFiles: (_p, _s, c) => ({ '/etc/hostname': c.hostname + '\n' }),
        startDns: async () => ({ close: async () => {} }),
      },
      runtime: {
        buildSpec: (req) => { this.call('runtime.buildSpec'); return { service: req.serviceName, id: req.id }; },
        launch: async (o) => {
          const spec = o.spec as { service: string };
          const p: FakeProc = {
            id: o.id, pid: this.nextPid++, start: 42, alive: true, waiters: [],
            ignoresTerm: this.opts.ignoreTerm?.includes(spec.service) ?? false,
          };
          this.call('runtime.launch', `proc ${o.id}`, () => { this.procs.set(o.containerDir, p); });
          return { pid: p.pid, waiterPid: p.pid + 1 };
        },
        readExit: (dir) => this.procs.get(dir)?.exit,
        waitExit: (dir, signal) => new Promise<ExitInfo>((resolve, reject) => {
          const p = this.procs.get(dir);
          if (!p || !p.alive) return resolve(p?.exit ?? { code: 0, signal: null });
          p.waiters.push(resolve);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
        execIn: async (o) => {
          const p = [...this.procs.values()].find((x) => x.pid === o.pid);
          const key = p?.id ?? '';
          const n = (this.probeCount.get(key) ?? 0) + 1;
          this.probeCount.set(key, n);
          const spec = p ? [...this.procs.entries()].find(([, v]) => v === p)?.[0] : '';
          const code = this.opts.probe ? this.opts.probe(this.serviceOf(spec ?? ''), n) : 0;
          this.calls.push(`runtime.execIn ${o.argv.join(' ')}`);
          return { code, signal: null, output: code === 0 ? 'ok' : `probe failed ${n}` };
        },
        kill: (pid, sig) => {
          this.calls.push(`runtime.kill ${pid} ${sig}`);
          const p = [...this.procs.values()].find((x) => x.pid === pid && x.alive);
          if (!p) return;
          if ((sig === 'SIGTERM' || sig === 15) && p.ignoresTerm) return;
          this.finish(p, { code: 128 + (signalNumber(sig) ?? 0), signal: typeof sig === 'string' ? sig : null });
        },
      },
    };
  }

  /** container dir → service, via the journal the test registered. */
  serviceOf: (dir: string) => string = () => '';
}

export function service(p: Partial<Service> = {}): Service {
  return { image: 'busybox', environment: {}, labels: {}, depends_on: {}, ...p };
}

export function project(name: string, services: Record<string, Service>, extra: Partial<Project> = {}): Project {
  return {
    name, working_dir: '/tmp', services, disabled_services: {},
    networks: { default: { name: `${name}_default` } }, volumes: {}, secrets: {}, configs: {}, extensions: {},
    origins: new Map(), files: [], ...extra,
  };
}

export function fakeCtx(projectName: string, fake: FakeEngine): Ctx & { bus: EventBus } {
  const bus = new EventBus();
  const ctx = { project: projectName, engine: fake.engine(), journal: new Journal(projectName), proc: fake.proc, emit: bus.emit, bus };
  fake.serviceOf = (dir) => Object.values(ctx.journal.state.containers).find((c) => dir.endsWith(c.id))?.service ?? '';
  return ctx;
}
