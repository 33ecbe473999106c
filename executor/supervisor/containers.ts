// One container's life, step by step, each step journaled BEFORE its host object is created:
// create (image → volumes → dir → rootfs with init files → cgroup → netns → attach → publish → spec),
// start (launch: waiter + PID 1), stop (stop_signal, grace, SIGKILL) and remove (every journaled
// step undone in reverse, each undo idempotent — so remove also cleans what a crash left half made).
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex } from '../sys/random.ts';
import type { Project, Service } from '../../schema/model.ts';
import { ContainerError, TscError } from '../../schema/errors.ts';
import { paths } from '../state/paths.ts';
import { isAlive } from '../state/proc.ts';
import type { ContainerRecord, Step } from '../state/journal.ts';
import type { Ctx } from './context.ts';
import type { AttachTarget, ExitInfo, ImageInfo } from './ports.ts';
import { policyOf, type RestartPolicy } from './restart-policy.ts';
import { healthConfigOf, type HealthConfig } from './health.ts';
import { ensureNetwork, serviceNetworks } from './networks.ts';
import { imageRefOf } from './image-name.ts';
import { configKeyHashes } from '../../planner/hash.ts';

export interface CreateOptions {
  configHash: string;
  name?: string;
  oneOff?: boolean;
  /** Published ports instead of the service's (`run` publishes none unless asked). */
  ports?: Service['ports'];
}

/** The container's environment for `exec` and healthchecks: image Env, then the service's. */
function envOf(service: Service, image: ImageInfo): string[] {
  const m = new Map<string, string>();
  for (const kv of image.config.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of Object.entries(service.environment ?? {})) if (v !== null) m.set(k, v);
  if (!m.has('PATH')) m.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  return [...m].map(([k, v]) => `${k}=${v}`);
}

export function containerName(project: Project, serviceName: string, number: number): string {
  const s = project.services[serviceName];
  return s?.container_name ?? `${project.name}-${serviceName}-${number}`;
}

function pullPolicy(s: Service): 'always' | 'missing' | 'never' {
  // A service that builds its image runs the local build (`up`/`run` built it first), never a
  // pull, whatever its policy says (`up --pull always` sets every service's).
  if (s.build) return 'never';
  const p = s.pull_policy;
  if (p === 'always') return 'always';
  if (p === 'never') return 'never';
  return 'missing';
}

export async function createContainer(ctx: Ctx, project: Project, serviceName: string, number: number, o: CreateOptions): Promise<ContainerRecord> {
  const service = project.services[serviceName];
  if (!service) throw new TscError('NO_SERVICE', `No such service: "${serviceName}"`);
  const imageRef = imageRefOf(project, serviceName);
  if (!imageRef) {
    throw new TscError('NO_IMAGE', `Service "${serviceName}" has neither an image nor a build section`, { hint: 'set `image:` or `build:`' });
  }
  const id = randomHex(32);
  const name = o.name ?? containerName(project, serviceName, number);
  const rec: ContainerRecord = {
    id, name, service: serviceName, number, configHash: o.configHash, image: imageRef,
    createdAt: new Date().toISOString(), steps: [], networks: [], desired: 'stopped', restartCount: 0,
  };
  if (o.oneOff) rec.oneOff = true;
  const j = ctx.journal;
  j.addContainer(rec);
  ctx.emit({ type: 'container', action: 'create', name, service: serviceName, id });
  let step = 'image';
  try {
    const image = await ctx.engine.images.ensure(imageRef, pullPolicy(service)).catch((e: unknown) => {
      if (!service.build || !(e instanceof TscError) || e.code !== 'IMAGE_NOT_FOUND') throw e;
      // The advice is in the message: the container error that wraps this one shows messages only.
      throw new TscError('NO_IMAGE', `Service "${serviceName}": image ${imageRef} is not built (run \`tscompose build ${serviceName}\`, or \`up\` without --no-build)`, { cause: e });
    });
    const dir = paths.container(id);
    step = 'dir';
    // Per-key hashes of what this container runs (the image digest it got), so a later plan can
    // name the keys that changed; written with the first step, no extra journal write.
    j.begin(id, 'dir', { configHashes: configKeyHashes(service, image.digest ? { imageDigest: image.digest } : undefined) });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hostname = service.hostname ?? id.slice(0, 12);
    const nets = serviceNetworks(project, service);
    const target: AttachTarget = {
      id, name, service: serviceName, hostname,
      aliases: [serviceName, name, ...(service.hostname ? [service.hostname] : [])],
    };
    step = 'rootfs';
    const initFiles = ctx.engine.net.initFiles(project, serviceName, target);
    const imageVolumes = Object.keys((image.config as { Volumes?: Record<string, unknown> | null }).Volumes ?? {});
    const mountPoints = [...new Set([...(service.volumes ?? []).map((v) => v.target), ...imageVolumes])];
    j.begin(id, 'rootfs');
    const { merged } = await ctx.engine.rootfs.mount({ containerDir: dir, layerDirs: image.layerDirs, initFiles, mountPoints });
    step = 'volumes';
    // Named volumes and anonymous volume names are journaled before prepare creates them.
    for (const v of service.volumes ?? []) {
      if (v.type !== 'volume' || !v.source || j.state.volumes[v.source]) continue;
      const decl = project.volumes[v.source];
      j.update((s) => { s.volumes[v.source!] = { key: v.source!, name: decl?.name ?? v.source!, external: decl?.external ?? false }; });
    }
    const anonTargets = [...(service.volumes ?? []).filter((v) => v.type === 'volume' && !v.source).map((v) => v.target),
      ...imageVolumes.filter((t) => !(service.volumes ?? []).some((v) => v.target === t))];
    const reuseAnonymous: Record<string, string> = {};
    for (const t of anonTargets) reuseAnonymous[t] = ctx.engine.volumes.anonymousName();
    if (anonTargets.length) {
      j.begin(id, 'volumes', { anonymousVolumes: Object.values(reuseAnonymous) });
    }
    const volumes = await ctx.engine.volumes.prepare({ project, service, rootfs: merged, imageVolumes, reuseAnonymous });
    step = 'cgroup';
    j.begin(id, 'cgroup');
    const handle = ctx.engine.cgroups.create(project.name, id, ctx.engine.cgroups.resourcesOf(service));
    j.patchContainer(id, { cgroup: handle });
    step = 'netns';
    const netnsPath = await netnsFor(ctx, service, id);
    if (netnsPath && nets.length) {
      step = 'attach';
      const resolved = [];
      for (const n of nets) resolved.push({ key: n.key, network: await ensureNetwork(ctx, project, n.key), cfg: n.cfg });
      j.begin(id, 'attach', { networks: nets.map((n) => n.key) });
      await ctx.engine.net.attach(netnsPath, target, resolved);
      const ports = o.ports ?? service.ports ?? [];
      if (ports.length) {
        step = 'publish';
        j.begin(id, 'publish');
        const published = await ctx.engine.net.publish(id, ports, netnsPath);
        j.patchContainer(id, { ports, published });
      }
    }
    step = 'spec';
    const spec = ctx.engine.runtime.buildSpec({
      project, serviceName, service, id, name, image, rootfs: merged, hostname, volumes,
      ...(netnsPath ? { netnsPath } : {}),
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({
      stopSignal: service.stop_signal ?? image.config.StopSignal ?? 'SIGTERM',
      stopGraceMs: service.stop_grace_period ?? 10_000,
      logMaxSize: service.logging?.options?.['max-size'],
      logMaxFiles: service.logging?.options?.['max-file'],
      image: { id: image.id, config: image.config },
      restart: policyOf(service),
      health: healthConfigOf(service, image),
      user: service.user ?? image.config.User,
      workingDir: service.working_dir ?? image.config.WorkingDir,
      env: envOf(service, image),
    } satisfies Meta));
  } catch (e) {
    ctx.emit({ type: 'container', action: 'error', name, service: serviceName, id, detail: e instanceof Error ? e.message : String(e) });
    throw e instanceof ContainerError ? e : new ContainerError(name, `create (${step})`, e);
  }
  ctx.emit({ type: 'container', action: 'created', name, service: serviceName, id });
  return j.container(id)!;
}

async function netnsFor(ctx: Ctx, service: Service, id: string): Promise<string | undefined> {
  const mode = service.network_mode;
  if (mode === 'host') return undefined;
  const other = /^(service|container):(.+)$/.exec(mode ?? '');
  if (other) {
    const [, kind, target] = other;
    const c = Object.values(ctx.journal.state.containers).find((x) => (kind === 'service' ? x.service === target : x.name === target) && x.netnsPath);
    if (c?.netnsPath) return c.netnsPath;
    throw new TscError('NETWORK_MODE', `network_mode "${mode}": no container of ours with a network namespace`, {
      hint: kind === 'service' ? `"${target}" must be created first (depends_on)` : undefined,
    });
  }
  ctx.journal.begin(id, 'netns');
  const p = ctx.engine.net.createNetns(id);
  ctx.journal.patchContainer(id, { netnsPath: p });
  return mode === 'none' ? undefined : p;
}

export interface Meta {
  stopSignal: string;
  stopGraceMs: number;
  logMaxSize?: string;
  logMaxFiles?: string;
  image?: { id: string; config: ImageInfo['config'] };
  restart?: RestartPolicy;
  health?: HealthConfig;
  user?: string;
  workingDir?: string;
  env?: string[];
}

export function readMeta(id: string): Meta {
  try {
    return JSON.parse(readFileSync(join(paths.container(id), 'meta.json'), 'utf8')) as Meta;
  } catch {
    return { stopSignal: 'SIGTERM', stopGraceMs: 10_000 };
  }
}

export function isRunning(ctx: Ctx, c: ContainerRecord): boolean {
  return c.steps.includes('launch') && isAlive(ctx.proc, c.pid, c.pidStart);
}

/**
 * Launches the container's waiter and PID 1 (also used by restarts: the netns, rootfs and cgroup stay).
 * `stdinFd` (`run -i`): one of our fds that becomes the container's stdin; `ttyOutFd` (`run -t`):
 * one that gets the pty's output as it comes.
 */
export async function startContainer(ctx: Ctx, c: ContainerRecord, so: { stdinFd?: number; ttyOutFd?: number } = {}): Promise<ContainerRecord> {
  if (isRunning(ctx, c)) {
    ctx.journal.patchContainer(c.id, { desired: 'running' });
    return c;
  }
  const dir = paths.container(c.id);
  ctx.emit({ type: 'container', action: 'start', name: c.name, service: c.service, id: c.id });
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
    const meta = readMeta(c.id);
    // The previous run's exit record would make waitExit return at once for the new run.
    rmSync(join(dir, 'exit.json'), { force: true });
    // A new run starts unknown: the previous run's health must not show as this one's.
    rmSync(join(dir, 'health.json'), { force: true });
    ctx.journal.begin(c.id, 'launch', { desired: 'running' });
    const o: Parameters<Ctx['engine']['runtime']['launch']>[0] = {
      id: c.id, name: c.name, spec, containerDir: dir, cgroupProcs: ctx.engine.cgroups.procsFiles(c.cgroup),
    };
    if (c.netnsPath) o.netnsPath = c.netnsPath;
    if (so.stdinFd !== undefined) o.stdinFd = so.stdinFd;
    if (so.ttyOutFd !== undefined) o.ttyOutFd = so.ttyOutFd;
    const size = meta.logMaxSize ? parseSize(meta.logMaxSize) : undefined;
    if (size) o.logMaxSize = size;
    if (meta.logMaxFiles) o.logMaxFiles = Number(meta.logMaxFiles);
    const launched = await ctx.engine.runtime.launch(o);
    const patch: Partial<ContainerRecord> = { pid: launched.pid, waiterPid: launched.waiterPid, startedAt: new Date(ctx.engine.clock.now()).toISOString() };
    const st = ctx.proc.startTime(launched.pid);
    if (st !== undefined) patch.pidStart = st;
    ctx.journal.patchContainer(c.id, patch);
  } catch (e) {
    ctx.emit({ type: 'container', action: 'error', name: c.name, service: c.service, id: c.id, detail: e instanceof Error ? e.message : String(e) });
    throw e instanceof ContainerError ? e : new ContainerError(c.name, 'start', e);
  }
  ctx.emit({ type: 'container', action: 'started', name: c.name, service: c.service, id: c.id });
  return ctx.journal.container(c.id)!;
}

function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(s.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

export interface StopOptions {
  /** Grace period before SIGKILL; default the service's stop_grace_period. */
  timeoutMs?: number;
  /** Send this signal instead of stop_signal, and do not wait (kill). */
  signal?: string;
  /** Aborting this skips the grace period (second Ctrl-C). */
  hurry?: AbortSignal;
}

/** Stops a container: desired=stopped first (so no restart policy revives it), then signal, grace, SIGKILL. */
export async function stopContainer(ctx: Ctx, c: ContainerRecord, o: StopOptions = {}): Promise<ExitInfo | undefined> {
  ctx.journal.patchContainer(c.id, { desired: 'stopped' });
  if (!isRunning(ctx, c)) return ctx.engine.runtime.readExit(paths.container(c.id));
  const meta = readMeta(c.id);
  const dir = paths.container(c.id);
  // A frozen cgroup would hold the signal until thawed.
  if (c.desired === 'paused') await ctx.engine.cgroups.thaw(c.cgroup);
  if (o.signal) {
    ctx.emit({ type: 'container', action: 'kill', name: c.name, service: c.service, id: c.id, detail: o.signal });
    ctx.engine.runtime.kill(c.pid!, o.signal);
    return undefined;
  }
  ctx.emit({ type: 'container', action: 'stop', name: c.name, service: c.service, id: c.id });
  const grace = o.timeoutMs ?? meta.stopGraceMs;
  const ac = new AbortController();
  const exited = ctx.engine.runtime.waitExit(dir, ac.signal);
  exited.catch(() => undefined);
  try {
    if (grace > 0 && !o.hurry?.aborted) {
      ctx.engine.runtime.kill(c.pid!, meta.stopSignal);
      const timer = new AbortController();
      const onHurry = () => timer.abort();
      o.hurry?.addEventListener('abort', onHurry, { once: true });
      const slept = ctx.engine.clock.sleep(grace, timer.signal).then(() => 'timeout' as const, () => 'timeout' as const);
      const r = await Promise.race([exited.then((e) => e), slept]);
      timer.abort();
      o.hurry?.removeEventListener('abort', onHurry);
      if (r !== 'timeout') {
        await killLeftovers(ctx, c);
        ctx.emit({ type: 'container', action: 'stopped', name: c.name, service: c.service, id: c.id });
        return r;
      }
    }
    ctx.engine.runtime.kill(c.pid!, 'SIGKILL');
    const e = await bounded(exited, c, 'stop');
    await killLeftovers(ctx, c);
    ctx.emit({ type: 'container', action: 'stopped', name: c.name, service: c.service, id: c.id, detail: 'killed' });
    return e;
  } finally {
    ac.abort();
  }
}

/** How long a SIGKILLed PID 1 may take to be reported gone by its waiter before we give up (tests lower it). */
export const stopLimits = { killWaitMs: 15_000 };

/**
 * The exit record of a container we just SIGKILLed, within stopLimits.killWaitMs: a process stuck in the
 * kernel (D state) or a waiter that stopped reporting must fail the command with a clear error
 * (the journal keeps the container, so a later `down` tries again), never hang it.
 */
async function bounded(exited: Promise<ExitInfo>, c: ContainerRecord, step: 'stop' | 'remove'): Promise<ExitInfo> {
  let timer: NodeJS.Timeout | undefined;
  const ms = stopLimits.killWaitMs;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ContainerError(c.name, step, new TscError('KILL_TIMEOUT',
      `PID ${c.pid} was sent SIGKILL but its exit was not reported within ${ms / 1000} s`,
      { hint: `check \`cat /proc/${c.pid}/stat\` (a process in state D waits for the kernel); \`down\` retries` }))), ms);
    timer.unref();
  });
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * PID 1 dying takes its own PID namespace with it, but a container that joined another's
 * (`pid: host`, `pid: service:X`) leaves its other processes running: end them through the
 * cgroup. (Relaunching into a cgroup after cgroup.kill is safe since the helper checks for it.)
 */
async function killLeftovers(ctx: Ctx, c: ContainerRecord): Promise<void> {
  if (c.cgroup !== undefined) await ctx.engine.cgroups.killAll(c.cgroup);
}

type Undo = (ctx: Ctx, c: ContainerRecord) => Promise<void> | void;

const UNDO: Record<Step, Undo> = {
  async launch(ctx, c) {
    if (isAlive(ctx.proc, c.pid, c.pidStart)) {
      ctx.engine.runtime.kill(c.pid!, 'SIGKILL');
      await ctx.engine.cgroups.killAll(c.cgroup);
      const ac = new AbortController();
      try { await bounded(ctx.engine.runtime.waitExit(paths.container(c.id), ac.signal), c, 'remove'); } finally { ac.abort(); }
    } else if (c.cgroup !== undefined) {
      // PID 1 gone, but a process it forked may still sit in the cgroup (v1 cannot remove a busy dir).
      await ctx.engine.cgroups.killAll(c.cgroup);
    }
  },
  async publish(ctx, c) { await ctx.engine.net.unpublish(c.id); },
  async attach(ctx, c) { await ctx.engine.net.detach(c.id); },
  async netns(ctx, c) { await ctx.engine.net.removeNetns(c.id); },
  async cgroup(ctx, c) { await ctx.engine.cgroups.remove(ctx.project, c.id, c.cgroup); },
  async volumes(ctx, c) { for (const v of c.anonymousVolumes ?? []) await ctx.engine.volumes.remove(v); },
  async rootfs(ctx, c) { await ctx.engine.rootfs.unmount(paths.container(c.id)); },
  dir(_ctx, c) { rmSync(paths.container(c.id), { recursive: true, force: true }); },
};

/**
 * Removes a container and every host object the journal says it may have, newest first.
 * A failing undo stops there (the dir is never deleted under a still-mounted rootfs) and keeps the
 * remaining steps journaled, so a later `down` tries again.
 */
export async function removeContainer(ctx: Ctx, c: ContainerRecord): Promise<void> {
  ctx.emit({ type: 'container', action: 'remove', name: c.name, service: c.service, id: c.id });
  for (const step of [...c.steps].reverse()) {
    try {
      await UNDO[step](ctx, c);
    } catch (e) {
      throw new ContainerError(c.name, `remove (${step})`, e);
    }
    ctx.journal.end(c.id, step);
  }
  ctx.journal.dropContainer(c.id);
  ctx.emit({ type: 'container', action: 'removed', name: c.name, service: c.service, id: c.id });
}
