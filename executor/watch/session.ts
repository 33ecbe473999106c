// One watch session for a project: rules per service, file events → per-service batches →
// sync into every replica → at most one restart (or the rule's exec) per batch; the stack files
// themselves are watched too and a save calls actions.reload(). Effects go through WatchActions
// (containers, restart, exec, rebuild, reload, log) and a WatcherFactory, so this file is tested
// with fakes and real temp dirs.
import { lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Project } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import type { ContainerView, WatchActions } from './actions.ts';
import { Batcher, type Clock } from './batcher.ts';
import { compileRules, isSyncAction, type CompiledRule, type CompileOptions } from './rules.ts';
import { resolveTarget } from './target-resolution.ts';
import type { SyncOp } from './sync.ts';
import { inlineSync, startSyncWorker, type SyncRunner, type WorkerSync } from './sync-worker.ts';
import { chokidarWatcher, type FileEvent, type PathWatcher, type WatcherFactory } from './watcher.ts';
import { formatEvent, type WatchEvent } from './events.ts';

export interface WatchOptions {
  /** Quiet time that closes a batch of sync-only changes (default 5 ms: a single edit's budget is ~50 ms). */
  quietMs?: number;
  /** Quiet time when the batch restarts, execs or rebuilds: worth waiting, a second restart costs more (default 100 ms). */
  restartQuietMs?: number;
  /** Quiet time once a batch holds 16 paths or more, so a checkout is one batch (default 200 ms). */
  burstQuietMs?: number;
  /** Longest a batch stays open under a steady stream of events (default 3000 ms). */
  maxWaitMs?: number;
  clock?: Clock;
  /** Files whose change means "reload the stack"; default: the project's -f files, .env and env_files. */
  stackFiles?: string[];
  watcher?: WatcherFactory;
  compile?: CompileOptions;
  /** Structured events, in addition to the log lines (for --json output). */
  onEvent?: (e: WatchEvent) => void;
  /** Where file copies run: a worker thread (default, keeps the event loop free) or inline. */
  syncIn?: 'worker' | 'inline';
}

export interface WatchSession {
  /** Resolves once the watchers run and the initial syncs are done. */
  ready: Promise<void>;
  /** Rules after a successful reload (throws StackFileError when the new rules are invalid). */
  update(project: Project): Promise<void>;
  /**
   * A container of `service` (re)started: it gets the initial_sync paths and every path synced
   * during this session that differs, so a recreated container does not lose the edits.
   */
  containerStarted(service: string, containerId?: string): Promise<void>;
  /** Resolves when no batch is waiting or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Entry { rules: Set<CompiledRule>; recursive: boolean }
const STACK_KEY = '\0stack';

/** The stack files a project was loaded from, plus .env and every service's env_file. */
export function stackFilesOf(project: Project): string[] {
  const out = new Set<string>(project.files);
  out.add(join(project.working_dir, '.env'));
  for (const s of Object.values(project.services)) for (const f of s.env_file ?? []) out.add(resolve(project.working_dir, f.path));
  return [...out];
}

function describe(e: unknown): string {
  if (e instanceof TscError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  return e instanceof Error ? e.message : String(e);
}

export async function startWatch(project: Project, actions: WatchActions, opts: WatchOptions = {}): Promise<WatchSession> {
  const s = new Session(actions, opts);
  try {
    await s.start(project);
  } catch (e) {
    await s.close(); // bad rules: no watcher or sync worker is left behind
    throw e;
  }
  return s;
}

class Session implements WatchSession {
  ready: Promise<void> = Promise.resolve();
  readonly #actions: WatchActions;
  readonly #opts: WatchOptions;
  readonly #factory: WatcherFactory;
  readonly #batcher: Batcher<Entry>;
  #rules: CompiledRule[] = [];
  #files: PathWatcher | undefined;
  #stack: PathWatcher | undefined;
  #closed = false;
  /** Per-service queue: batches, initial syncs and container starts never overlap for one service. */
  readonly #locks = new Map<string, Promise<void>>();
  /** Paths synced during this session, per service, with the rule that synced them. */
  readonly #touched = new Map<string, Map<string, CompiledRule>>();
  readonly #worker: WorkerSync | undefined;
  readonly #syncRun: SyncRunner;

  constructor(actions: WatchActions, opts: WatchOptions) {
    this.#actions = actions;
    this.#opts = opts;
    this.#factory = opts.watcher ?? chokidarWatcher;
    this.#worker = opts.syncIn === 'inline' ? undefined : startSyncWorker();
    this.#syncRun = this.#worker?.run ?? inlineSync;
    this.#batcher = new Batcher<Entry>(
      { quietMs: opts.quietMs ?? 5, burstQuietMs: opts.burstQuietMs ?? 200, maxWaitMs: opts.maxWaitMs ?? 3000,
        ...(opts.clock ? { clock: opts.clock } : {}) },
      (key, batch) => (key === STACK_KEY ? this.#reload() : this.#locked(key, () => this.#runBatch(key, batch))),
      (prev, next) => {
        if (!prev) return next;
        for (const r of next.rules) prev.rules.add(r);
        prev.recursive ||= next.recursive;
        return prev;
      },
      (key, e) => this.#emit({ type: 'error', service: key === STACK_KEY ? 'stack file' : key, message: describe(e) }),
    );
  }

  async start(project: Project): Promise<void> {
    this.#rules = compileRules(project, this.#opts.compile);
    this.#watch(project);
    this.ready = (async () => {
      await Promise.all([this.#files?.ready, this.#stack?.ready]);
      const services = new Set(this.#rules.filter((r) => r.initialSync && isSyncAction(r.action)).map((r) => r.service));
      await Promise.all([...services].map((svc) => this.#locked(svc, () => this.#resync(svc, undefined, true))));
    })();
    await this.ready;
  }

  async update(project: Project): Promise<void> {
    const rules = compileRules(project, this.#opts.compile);
    await Promise.all([this.#files?.close(), this.#stack?.close()]);
    this.#rules = rules;
    this.#watch(project);
    await Promise.all([this.#files?.ready, this.#stack?.ready]);
  }

  async containerStarted(service: string, containerId?: string): Promise<void> {
    await this.#locked(service, () => this.#resync(service, containerId, false));
  }

  idle(): Promise<void> {
    return this.#batcher.idle();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#batcher.close();
    await Promise.all([this.#files?.close(), this.#stack?.close()]);
    await Promise.all([...this.#locks.values()]);
    await this.#worker?.close();
  }

  #watch(project: Project): void {
    const rules = this.#rules;
    const byService = new Map<string, string[]>();
    for (const r of rules) byService.set(r.service, [...(byService.get(r.service) ?? []), r.path]);
    for (const [service, paths] of byService) this.#emit({ type: 'watching', service, paths });
    const paths = [...new Set(rules.map((r) => r.path))];
    this.#files = paths.length === 0 ? undefined : this.#factory(
      paths,
      // Skip a path only when every rule that covers it ignores it (node_modules is never even walked).
      (p) => {
        const covering = rules.filter((r) => r.covers(p));
        // Not covered: an ancestor chokidar looks at on its way to a watched path; keep it.
        return covering.length > 0 && covering.every((r) => r.ignoresDir(p));
      },
      (e) => this.#onFile(e),
      (e) => this.#emit({ type: 'error', service: 'watch', message: describe(e) }),
    );
    const stack = this.#opts.stackFiles ?? stackFilesOf(project);
    this.#stack = stack.length === 0 ? undefined : this.#factory(
      stack, () => false,
      (e) => { if (e.type !== 'addDir' && e.type !== 'unlinkDir') this.#batcher.add(STACK_KEY, e.path, { rules: new Set(), recursive: false }); },
      (e) => this.#emit({ type: 'error', service: 'stack file', message: describe(e) }),
    );
  }

  #onFile(e: FileEvent): void {
    if (this.#closed) return;
    const isDir = e.type === 'addDir' || e.type === 'unlinkDir';
    for (const r of this.#rules) {
      if (!r.covers(e.path) || !r.accepts(e.path, isDir)) continue;
      const quiet = r.action === 'sync' ? undefined : (this.#opts.restartQuietMs ?? 100);
      this.#batcher.add(r.service, e.path, { rules: new Set([r]), recursive: e.type === 'addDir' }, quiet);
    }
  }

  #emit(e: WatchEvent): void {
    this.#opts.onEvent?.(e);
    this.#actions.log(formatEvent(e));
  }

  #locked(service: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.#locks.get(service) ?? Promise.resolve();
    const next = prev.then(fn, fn).catch((e) => this.#emit({ type: 'error', service, message: describe(e) }));
    this.#locks.set(service, next);
    return next;
  }

  async #reload(): Promise<void> {
    const t0 = performance.now();
    try {
      await this.#actions.reload();
      this.#emit({ type: 'reloaded', ms: performance.now() - t0 });
    } catch (e) {
      // A broken edit: say where, keep the running stack and the current rules.
      this.#emit({ type: 'error', service: 'stack file', message: `not applied: ${describe(e)}` });
    }
  }

  async #runBatch(service: string, batch: Map<string, Entry>): Promise<void> {
    const all = new Set<CompiledRule>();
    for (const e of batch.values()) for (const r of e.rules) all.add(r);
    const acts = new Set([...all].map((r) => r.action));
    if (acts.has('rebuild')) {
      // The rebuild recreates the containers from a new image: syncing or restarting first is moot.
      try { await this.#actions.rebuild(service); } catch (e) { this.#emit({ type: 'error', service, message: describe(e) }); }
      return;
    }
    const items: { path: string; rule: CompiledRule; recursive: boolean }[] = [];
    for (const [path, e] of batch) for (const r of e.rules) if (isSyncAction(r.action)) items.push({ path, rule: r, recursive: e.recursive });
    let containers: ContainerView[] | undefined;
    if (items.length > 0) {
      let touched = this.#touched.get(service);
      if (!touched) this.#touched.set(service, (touched = new Map()));
      for (const it of items) touched.set(it.path, it.rule);
      containers = await this.#sync(service, items, { initial: false });
      // Nothing runs: nothing to restart or exec; the files are kept for containerStarted.
      if (containers.length === 0) return;
    }
    if (acts.has('restart') || acts.has('sync+restart')) {
      const t0 = performance.now();
      try {
        await this.#actions.restart(service);
        this.#emit({ type: 'restarted', service, ms: performance.now() - t0 });
      } catch (e) { this.#emit({ type: 'error', service, message: `restart failed: ${describe(e)}` }); }
      return; // a fresh process has the new files: the exec would be redundant
    }
    const execs = [...all].filter((r) => r.action === 'sync+exec' && r.exec);
    if (execs.length === 0) return;
    containers ??= await this.#actions.containers(service);
    const seen = new Set<string>();
    for (const r of execs) {
      const key = JSON.stringify(r.exec);
      if (seen.has(key)) continue;
      seen.add(key);
      for (const c of containers) {
        const t0 = performance.now();
        try {
          const { code } = await this.#actions.exec(c.id, r.exec!);
          this.#emit({ type: 'exec', service, container: c.id, command: r.exec!.command, code, ms: performance.now() - t0 });
        } catch (e) { this.#emit({ type: 'error', service, message: `exec failed: ${describe(e)}` }); }
      }
    }
  }

  async #resync(service: string, containerId: string | undefined, initialOnly: boolean): Promise<void> {
    const items: { path: string; rule: CompiledRule; recursive: boolean }[] = [];
    for (const r of this.#rules) {
      if (r.service === service && isSyncAction(r.action) && r.initialSync) items.push({ path: r.path, rule: r, recursive: true });
    }
    if (!initialOnly) for (const [path, rule] of this.#touched.get(service) ?? []) items.push({ path, rule, recursive: false });
    if (items.length === 0) return;
    await this.#sync(service, items, { initial: true, containerId, quietIfNone: true });
  }

  /** Syncs `items` into every (or one) container of the service; returns the containers used. */
  async #sync(service: string, items: { path: string; rule: CompiledRule; recursive: boolean }[],
    o: { initial: boolean; containerId?: string | undefined; quietIfNone?: boolean }): Promise<ContainerView[]> {
    let containers = await this.#actions.containers(service);
    if (o.containerId) containers = containers.filter((c) => c.id === o.containerId);
    if (containers.length === 0) {
      if (!o.quietIfNone) this.#emit({ type: 'no-containers', service });
      return containers;
    }
    const t0 = performance.now();
    let files = 0;
    let deleted = 0;
    let sample: string | undefined;
    for (const c of containers) {
      const { groups, errors } = opsFor(c, items);
      let cf = 0;
      let cd = 0;
      for (const [root, ops] of groups) {
        try {
          const res = await this.#syncRun(root, ops, { uid: c.uid, gid: c.gid });
          cf += res.files + res.symlinks + res.dirs;
          cd += res.deleted;
          errors.push(...res.errors);
        } catch (e) {
          // The whole root failed (it vanished, the container was removed meanwhile…).
          errors.push(e instanceof TscError ? e : new TscError('WATCH_SYNC', `sync into ${root}: ${describe(e)}`, { cause: e }));
        }
        if (!sample && ops.length === 1) sample = ops[0]!.shown;
      }
      files = Math.max(files, cf);
      deleted = Math.max(deleted, cd);
      const shownErrors = errors.slice(0, 5);
      for (const e of shownErrors) this.#emit({ type: 'error', service, message: describe(e) });
      if (errors.length > shownErrors.length) this.#emit({ type: 'error', service, message: `… and ${errors.length - shownErrors.length} more sync errors` });
    }
    // Nothing changed (e.g. the target is a bind mount of the watched dir itself): no line.
    if (files > 0 || deleted > 0) {
      this.#emit({ type: 'synced', service, files, deleted, containers: containers.length, ms: performance.now() - t0, initial: o.initial,
        ...(sample ? { sample: sample.replace(/^[^:]*:/, '') } : {}) });
    }
    return containers;
  }
}

/** Turns host paths into per-root sync ops for one container (pure apart from directory walks). */
function opsFor(c: ContainerView, items: { path: string; rule: CompiledRule; recursive: boolean }[]): { groups: Map<string, SyncOp[]>; errors: TscError[] } {
  const groups = new Map<string, SyncOp[]>();
  const seen = new Set<string>();
  const errors: TscError[] = [];
  const short = c.id.slice(0, 12);
  const add = (path: string, rule: CompiledRule) => {
    const cpath = rule.containerPath(path);
    let t;
    try { t = resolveTarget(c.rootDir, c.mounts, cpath, { unreachable: c.unreachable ?? [], pid: c.pid }); } catch (e) {
      if (e instanceof TscError) { errors.push(e); return; }
      throw e;
    }
    let { root, rel } = t;
    // The target is a single-file bind mount: write its host source file by name.
    if (rel === '' && t.mount && !isDir(path)) { rel = basename(root); root = dirname(root); }
    const key = `${root}\0${rel}`;
    if (seen.has(key)) return;
    seen.add(key);
    let ops = groups.get(root);
    if (!ops) groups.set(root, (ops = []));
    ops.push({ source: path, rel, shown: `${short}:${cpath}` });
  };
  const walk = (dir: string, rule: CompiledRule) => {
    let ents;
    try { ents = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of ents) {
      const p = join(dir, d.name);
      const dirent = d.isDirectory();
      if (!rule.accepts(p, dirent)) continue;
      add(p, rule);
      if (dirent) walk(p, rule);
    }
  };
  for (const it of items) {
    add(it.path, it.rule);
    if (it.recursive && isDir(it.path)) walk(it.path, it.rule);
  }
  return { groups, errors };
}

function isDir(p: string): boolean {
  try { return lstatSync(p).isDirectory(); } catch { return false; }
}
