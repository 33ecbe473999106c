// An OCI-runtime-style front end (`tscompose runtime create|start|state|kill|delete|run`), so our
// runtime runs any OCI bundle and can be put beside crun and runc on the same bundle.
// State lives in `$TSCOMPOSE_RUN/runtime/<id>/` (log, exit.json, state.json); cgroups under
// `tscompose/runtime/<id>` through the cgroup driver.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { TscError, UsageError } from '../../schema/errors.ts';
import { detectCgroupDriver } from '../cgroup/driver.ts';
import type { CgroupResources } from '../cgroup/types.ts';
import { runDir } from '../state/paths.ts';
import { isAlive, realProc } from '../state/proc.ts';
import { oomFileOf } from './cgroup-adapter.ts';
import type { OciSpec } from './oci.ts';
import { execIn, files, kill, launch, readExit, startGated, waitExit, waiterGone, type ExitStatus } from './runtime.ts';

const PROJECT = 'runtime';

interface OciState { id: string; bundle: string; pid: number; pidStart?: number; waiterPid: number; created: string; started: boolean }

export interface OciStateOut { ociVersion: string; id: string; status: 'created' | 'running' | 'stopped'; pid: number; bundle: string; exit?: ExitStatus }

const dirOf = (id: string) => join(runDir(), 'runtime', id);

function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id)) throw new UsageError(`Invalid container id "${id}"`);
}

function readState(id: string): OciState {
  checkId(id);
  try {
    return JSON.parse(readFileSync(join(dirOf(id), 'state.json'), 'utf8')) as OciState;
  } catch {
    throw new TscError('NOT_FOUND', `Container "${id}" does not exist`);
  }
}

function loadBundle(bundle: string): OciSpec {
  const b = resolve(bundle);
  let spec: OciSpec;
  try {
    spec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')) as OciSpec;
  } catch (e) {
    throw new TscError('BUNDLE', `Cannot read ${join(b, 'config.json')}: ${(e as Error).message}`);
  }
  if (!isAbsolute(spec.root.path)) spec.root.path = join(b, spec.root.path);
  if (!spec.process?.args?.length) throw new TscError('BUNDLE', 'The bundle has no process.args');
  return spec;
}

export async function create(o: { bundle: string; id: string; gated: boolean }): Promise<OciState> {
  checkId(o.id);
  const dir = dirOf(o.id);
  if (existsSync(join(dir, 'state.json'))) throw new TscError('EXISTS', `Container "${o.id}" already exists`);
  const spec = loadBundle(o.bundle);
  mkdirSync(dir, { recursive: true });
  const driver = detectCgroupDriver();
  const h = driver.create(PROJECT, o.id, cgroupResources(spec));
  try {
    const oom = oomFileOf(h);
    const l = await launch({ id: o.id, name: o.id, spec, containerDir: dir, cgroupProcs: driver.procsFiles(h), gated: o.gated, ...(oom ? { oomFile: oom } : {}) });
    const st: OciState = { id: o.id, bundle: resolve(o.bundle), pid: l.pid, waiterPid: l.waiterPid, created: new Date().toISOString(), started: !o.gated };
    const start = realProc.startTime(l.pid);
    if (start !== undefined) st.pidStart = start;
    writeFileSync(join(dir, 'state.json'), JSON.stringify(st));
    return st;
  } catch (e) {
    await driver.remove(h);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** OCI linux.resources → the driver's shape (which follows it, with explicit wildcards for device rules). */
export function cgroupResources(spec: OciSpec): CgroupResources {
  const r = (spec.linux.resources ?? {}) as {
    memory?: { limit?: number; reservation?: number; swap?: number };
    cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
    pids?: { limit?: number };
    devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  };
  const out: CgroupResources = {};
  if (r.memory && Object.keys(r.memory).length) out.memory = { ...r.memory };
  if (r.cpu && Object.keys(r.cpu).length) out.cpu = { ...r.cpu };
  if (r.pids?.limit !== undefined && r.pids.limit > 0) out.pids = { limit: r.pids.limit };
  // A bundle's leading "deny everything" is what the driver starts from anyway; applied after
  // the default allow-list it would take /dev/null away too (runc and crun add their defaults after it).
  const rules = (r.devices ?? []).filter((d) => !(d.allow === false && (d.type ?? 'a') === 'a' && (d.major ?? -1) === -1 && (d.minor ?? -1) === -1));
  if (rules.length) {
    out.devices = rules.map((d) => ({
      allow: d.allow, type: (d.type ?? 'a') as 'a' | 'c' | 'b', major: d.major ?? -1, minor: d.minor ?? -1, access: d.access ?? 'rwm',
    }));
  }
  return out;
}

export async function start(id: string): Promise<void> {
  const st = readState(id);
  if (st.started) throw new TscError('STATE', `Container "${id}" is already started`);
  await startGated(dirOf(id));
  writeFileSync(join(dirOf(id), 'state.json'), JSON.stringify({ ...st, started: true }));
}

export function state(id: string): OciStateOut {
  const st = readState(id);
  const exit = readExit(dirOf(id));
  const alive = !exit && isAlive(realProc, st.pid, st.pidStart);
  const status = !alive ? 'stopped' : st.started ? 'running' : 'created';
  return { ociVersion: '1.0.2', id, status, pid: alive ? st.pid : 0, bundle: st.bundle, ...(exit ? { exit } : {}) };
}

export function killContainer(id: string, signal: string): void {
  const s = state(id);
  if (s.status === 'stopped') throw new TscError('STATE', `Container "${id}" is not running`);
  kill(s.pid, signal);
}

export async function remove(id: string, force: boolean): Promise<void> {
  const s = state(id);
  if (s.status !== 'stopped') {
    if (!force) throw new TscError('STATE', `Container "${id}" is ${s.status}`, { hint: 'stop it first, or use --force' });
    kill(s.pid, 'SIGKILL');
    await waitExit(dirOf(id));
  }
  await waiterGone(dirOf(id));
  const driver = detectCgroupDriver();
  await driver.remove(driver.handle(PROJECT, id));
  rmSync(dirOf(id), { recursive: true, force: true });
}

/** Runs a process in the running container (its env, user, cwd, caps from config.json); returns its exit code. */
export async function exec(id: string, argv: string[], o: { tty?: boolean; env?: string[]; user?: string; cwd?: string } = {}): Promise<number> {
  const s = state(id);
  if (s.status !== 'running') throw new TscError('STATE', `Container "${id}" is ${s.status}`);
  const driver = detectCgroupDriver();
  const r = await execIn({
    name: id, pid: s.pid, containerDir: dirOf(id), cgroupProcs: driver.procsFiles(driver.handle(PROJECT, id)), argv,
    stdio: 'inherit', ...(o.tty ? { tty: true } : {}), ...(o.env ? { env: o.env } : {}), ...(o.user ? { user: o.user } : {}), ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  return r.code;
}

/** create + start + wait + delete; returns the exit status and the log path (read before delete). */
export async function run(o: { bundle: string; id: string }, onLog?: (log: string) => void): Promise<ExitStatus> {
  await create({ ...o, gated: false });
  const exit = await waitExit(dirOf(o.id));
  if (onLog) {
    try { onLog(readFileSync(files.log(dirOf(o.id)), 'utf8')); } catch { /* no output */ }
  }
  await remove(o.id, true);
  return exit;
}
