// The runtime API (docs/contracts.md "executor/runtime/"): launch a container from its OCI
// spec through the native helper, read and wait for its exit, exec into it, signal it.
// The helper stays as the container's waiter: it owns the output → log file and writes
// exit.json, so this process may die without the container noticing (ARCHITECTURE.md).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ContainerError, TscError } from '../../schema/errors.ts';
import { killProcess } from '../sys/process.ts';
import { oomFileFromProcs } from './cgroup-adapter.ts';
import { compactExec, compactRun, encodeTokens } from './compact.ts';
import { readContainerEtc } from './etc-files.ts';
import { exitOf, startHelper } from './helper.ts';
import type { OciProcess, OciSpec } from './oci.ts';
import { stepError, type HelperMessage } from './protocol.ts';
import { resolveUser } from './user.ts';
import { compileSeccomp, seccompFlags, type SeccompProfile } from '../security/seccomp.ts';

export { buildSpec } from './spec.ts';
export type { SpecInput } from './spec.ts';
export type { OciSpec } from './oci.ts';

export interface LaunchOptions {
  id: string;
  /** Container name, for errors (`start web-1: mount /data: ENOENT`). */
  name: string;
  spec: OciSpec;
  containerDir: string;
  /** Prepared network namespace file (netmgr); without it the spec decides (new netns, or host). */
  netnsPath?: string;
  /** cgroup.procs files (CgroupDriver.procsFiles) the helper puts the container into before exec. */
  cgroupProcs: string[];
  logMaxSize?: number;
  logMaxFiles?: number;
  /** `oom_kill N` file of the container's memory cgroup, for exit.json's oomKilled (default: found next to cgroupProcs). */
  oomFile?: string;
  /** Compiled seccomp filter; absent = compiled from spec.linux.seccomp when the spec has one, else none. */
  seccomp?: Uint8Array;
  /** OCI create semantics: stop before execve until `startGated(containerDir)`. */
  gated?: boolean;
  /**
   * One of our fds (`run -i`: 0) that becomes the container's stdin, so piped input reaches it
   * and its end is the container's EOF; with `process.terminal` the waiter copies it into the pty.
   */
  stdinFd?: number;
  /** One of our fds (`run -t`: 1) that gets the pty's output as it comes (the log has whole lines). */
  ttyOutFd?: number;
}

export interface Launched {
  /** PID 1 of the container, host view. */
  pid: number;
  /** The helper that stays as waiter. */
  waiterPid: number;
}

export interface ExitStatus {
  code: number;
  /** Signal number that ended PID 1, or null when it exited. */
  signal: number | null;
  oomKilled: boolean;
  finishedAt: string;
  /** Set when the waiter died before PID 1 did (killed by hand): the real status was lost; code is 255 as docker reports it. */
  lost?: true;
}

export const files = {
  config: (dir: string) => join(dir, 'config.json'),
  log: (dir: string) => join(dir, 'log'),
  exit: (dir: string) => join(dir, 'exit.json'),
  waiterPid: (dir: string) => join(dir, 'waiter.pid'),
  pid: (dir: string) => join(dir, 'pid'),
  gate: (dir: string) => join(dir, 'start.fifo'),
};

/** Exit messages of waiters this process started, so waitExit needs no polling for them. */
const exits = new Map<string, Promise<void>>();

export async function launch(o: LaunchOptions): Promise<Launched> {
  const dir = o.containerDir;
  try {
    mkdirSync(dir, { recursive: true });
    rmSync(files.exit(dir), { force: true });
    writeFileSync(files.config(dir), JSON.stringify(o.spec, null, 2));
    if (o.gated) {
      rmSync(files.gate(dir), { force: true });
      mkfifo(files.gate(dir));
    }
  } catch (e) {
    throw new ContainerError(o.name, 'prepare', e);
  }
  let spec: Buffer;
  try {
    const filter = o.seccomp ? { seccomp: o.seccomp } : compileSpecSeccomp(o.spec);
    spec = encodeTokens(compactRun(o.spec, {
      ...filter,
      cgroupProcs: o.cgroupProcs, logFile: files.log(dir), exitFile: files.exit(dir),
      ...(o.netnsPath ? { netnsPath: o.netnsPath } : {}),
      ...(o.logMaxSize ? { logMaxSize: o.logMaxSize } : {}),
      ...(o.logMaxFiles ? { logMaxFiles: o.logMaxFiles } : {}),
      ...withOomFile(o),
      ...(o.gated ? { gate: files.gate(dir) } : {}),
      ...(o.stdinFd !== undefined ? { stdinFd: 5 } : {}),
      ...(o.ttyOutFd !== undefined ? { ttyOutFd: 6 } : {}),
    }));
  } catch (e) {
    throw new ContainerError(o.name, 'spec', e);
  }
  // detached: the waiter gets its own session and process group, so a Ctrl-C to the CLI's
  // group does not reach it and it outlives this process.
  let h;
  try {
    h = startHelper('run', spec, { detached: true, stdio: 'ignore', label: dir,
      ...(o.stdinFd !== undefined ? { fd5: o.stdinFd } : {}), ...(o.ttyOutFd !== undefined ? { fd6: o.ttyOutFd } : {}) });
  } catch (e) {
    throw new ContainerError(o.name, 'start', e);
  }
  const it = h.messages[Symbol.asyncIterator]();
  let pid = 0;
  const want = o.gated ? 'created' : 'ready';
  for (;;) {
    let r: IteratorResult<HelperMessage>;
    try {
      r = await it.next();
    } catch (e) {
      h.child.kill('SIGKILL');
      throw new ContainerError(o.name, 'start', e);
    }
    if (r.done) {
      throw new ContainerError(o.name, 'start', new TscError('HELPER', `The launch helper ended before the container started (exit ${await exitOf(h.child)})`));
    }
    const m = r.value;
    if (m.type === 'pid') pid = m.pid;
    else if (m.type === 'error') throw new ContainerError(o.name, m.step, stepError(m));
    else if (m.type === want) break;
  }
  const waiterPid = h.child.pid ?? 0;
  writeFileSync(files.waiterPid(dir), `${waiterPid}\n`);
  writeFileSync(files.pid(dir), `${pid}\n`);
  // Keep listening for `exit` without holding this process open.
  h.child.unref();
  (h.child.stdio[3] as Readable & { unref?: () => void }).unref?.();
  const listen = async (self: { p?: Promise<void> }) => {
    try { for (;;) { const r = await it.next(); if (r.done) break; } } catch { /* socket closed */ }
    // a restart of the same container may have registered its own waiter meanwhile
    if (exits.get(dir) === self.p) exits.delete(dir);
  };
  const entry: { p?: Promise<void> } = {};
  entry.p = listen(entry);
  exits.set(dir, entry.p);
  return { pid, waiterPid };
}

/** The caller's oom file, else the one next to a memory cgroup's cgroup.procs (so OOM kills are never missed by omission). */
function withOomFile(o: LaunchOptions): { oomFile?: string } {
  const f = o.oomFile ?? oomFileFromProcs(o.cgroupProcs);
  return f ? { oomFile: f } : {};
}

/** linux.seccomp (an OCI profile, as executor/security makes or a bundle carries) → BPF + flags. */
function compileSpecSeccomp(spec: OciSpec): { seccomp?: Uint8Array; seccompFlags?: number } {
  const profile = spec.linux.seccomp as SeccompProfile | undefined;
  if (!profile) return {};
  // Most containers share one of a few profiles (default per capability set): compile each once.
  const key = JSON.stringify(profile);
  let hit = compiled.get(key);
  if (!hit) {
    hit = { seccomp: compileSeccomp(profile), seccompFlags: seccompFlags(profile) };
    if (compiled.size > 64) compiled.clear();
    compiled.set(key, hit);
  }
  return hit;
}
const compiled = new Map<string, { seccomp: Uint8Array; seccompFlags: number }>();

function mkfifo(path: string): void {
  // Node has no mkfifo; the one-off spawn is fine for the (rare) OCI create path.
  execFileSync('mkfifo', ['-m', '0600', path]);
}

/** Releases a container launched with `gated: true` (OCI start): it blocks writing to the FIFO until we read. */
export async function startGated(containerDir: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  const fh = await open(files.gate(containerDir), 'r');
  try {
    const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, null);
    if (bytesRead !== 1) throw new TscError('STATE', 'The container was gone before it could be started');
  } finally {
    await fh.close();
  }
  rmSync(files.gate(containerDir), { force: true });
}

export function readExit(containerDir: string): ExitStatus | undefined {
  try {
    return JSON.parse(readFileSync(files.exit(containerDir), 'utf8')) as ExitStatus;
  } catch {
    return undefined;
  }
}

/** Resolves when the waiter has written exit.json (at once if it already has). */
export async function waitExit(containerDir: string, signal?: AbortSignal): Promise<ExitStatus> {
  const done = readExit(containerDir);
  if (done) return done;
  return new Promise<ExitStatus>((resolve, reject) => {
    // inotify on the dir (the waiter renames exit.json into place) keeps this process alive
    // while it waits; the waiter's own `exit` message (when we launched it) is quicker still;
    // a slow poll covers a missed event.
    const w = watch(containerDir, () => check());
    const timer = setInterval(check, 500);
    const onAbort = () => { cleanup(); reject(new TscError('ABORTED', 'Waiting for the container was cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
    exits.get(containerDir)?.then(check, check);
    let settled = false;
    function cleanup() { settled = true; w.close(); clearInterval(timer); signal?.removeEventListener('abort', onAbort); }
    let polls = 0;
    function check() {
      if (settled) return;
      const st = readExit(containerDir);
      if (st) { cleanup(); resolve(st); return; }
      // Every poll: a waiter that was killed leaves no exit.json; once PID 1 is gone too, say so
      // instead of waiting for ever.
      if (++polls > 1 && !processAlive(containerDir, 'waiterPid') && !processAlive(containerDir, 'pid')) {
        if (readExit(containerDir)) return check();
        cleanup();
        resolve({ code: 255, signal: null, oomKilled: false, finishedAt: new Date().toISOString(), lost: true });
      }
    }
    check();
  });
}

/** Whether the process recorded in the container dir (waiter.pid or pid) still runs (a zombie counts as gone). */
function processAlive(containerDir: string, which: 'waiterPid' | 'pid'): boolean {
  let pid: number;
  try { pid = Number(readFileSync(files[which](containerDir), 'utf8').trim()); } catch { return true; /* not launched by us yet */ }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Resolves once the container's waiter process is gone (it exits right after writing exit.json
 * and reporting). Cleanup that must leave no process behind waits for this after waitExit.
 */
export async function waiterGone(containerDir: string, timeoutMs = 2000): Promise<boolean> {
  let pid: number;
  try { pid = Number(readFileSync(files.waiterPid(containerDir), 'utf8').trim()); } catch { return true; }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let state: string | undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      // a different program under a reused PID is not our waiter
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(containerDir)) state = undefined;
    } catch { state = undefined; }
    if (state === undefined || state === 'Z') return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a signal to the container's PID 1. False when it is already gone. */
export function kill(pid: number, signal: string | number): boolean {
  return killProcess(pid, signal);
}

export interface ExecOptions {
  /** Container name for errors. */
  name?: string;
  /** PID 1 of the container (host view). */
  pid: number;
  cgroupProcs: string[];
  argv: string[];
  /** Extra/overriding variables (`K=V`); with `containerDir`, on top of the container's own. */
  env?: string[];
  /**
   * The container's dir: its config.json gives the defaults docker exec uses — env, user, working
   * dir, capabilities, no_new_privs and the seccomp filter of the container.
   */
  containerDir?: string;
  /** "name", "uid", "uid:gid" (resolved in the container's /etc files) or resolved ids. */
  user?: string | { uid: number; gid: number; additionalGids?: number[] };
  cwd?: string;
  tty?: boolean;
  /**
   * 'inherit' passes our stdio through (with `tty`, a terminal there is put in raw mode and its
   * size followed); 'pipe' collects stdout/stderr (healthchecks). Default: 'inherit' with tty, else 'pipe'.
   */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  capabilities?: OciProcess['capabilities'];
  noNewPrivileges?: boolean;
  seccomp?: Uint8Array;
  /**
   * Aborting kills the exec'd process and everything it started (SIGKILL to the helper's process
   * group and to every descendant); execIn then rejects with `EXEC_ABORTED` once they are gone.
   * An abortable exec runs in its own process group, so a Ctrl-C at our terminal does not reach
   * it (healthchecks; `exec` in the CLI passes no signal).
   */
  signal?: AbortSignal;
  /** Like `signal`, after this many ms (`EXEC_TIMEOUT`): a healthcheck's `timeout`. */
  timeoutMs?: number;
}

export interface ExecResult { code: number; signal: number | null; stdout?: string; stderr?: string }

/**
 * Runs a process inside a running container: the helper joins its cgroup and every namespace
 * (nsenter would leave it outside the cgroup), applies identity and privileges, forks, execs.
 */
export async function execIn(o: ExecOptions): Promise<ExecResult> {
  const name = o.name ?? String(o.pid);
  let base: OciSpec | undefined;
  if (o.containerDir) {
    try {
      base = JSON.parse(readFileSync(files.config(o.containerDir), 'utf8')) as OciSpec;
    } catch (e) {
      throw new ContainerError(name, 'exec', new TscError('STATE', `Cannot read the container's config.json: ${(e as Error).message}`));
    }
  }
  let user: { uid: number; gid: number; additionalGids?: number[] };
  try {
    if (typeof o.user === 'object') user = o.user;
    else if (o.user === undefined && base) user = base.process.user;
    else {
      const root = `/proc/${o.pid}/root`;
      user = resolveUser(o.user, undefined, readContainerEtc(root, 'passwd'), readContainerEtc(root, 'group'));
    }
  } catch (e) {
    throw new ContainerError(name, 'user', e);
  }
  const caps = o.capabilities ?? base?.process.capabilities;
  const proc: OciProcess = {
    ...(o.tty ? { terminal: true } : {}), user, args: o.argv, env: mergeEnv(base?.process.env ?? [], o.env ?? []),
    cwd: o.cwd ?? base?.process.cwd ?? '/', ...(caps ? { capabilities: caps } : {}),
    ...(o.noNewPrivileges ?? base?.process.noNewPrivileges ? { noNewPrivileges: true } : {}),
  };
  let spec: Buffer;
  try {
    const filter = o.seccomp ? { seccomp: o.seccomp } : base ? compileSpecSeccomp(base) : {};
    spec = encodeTokens(compactExec(o.pid, o.cgroupProcs, proc, filter.seccomp, filter.seccompFlags));
  } catch (e) {
    throw new ContainerError(name, 'exec', e);
  }
  const mode = o.stdio ?? (o.tty ? 'inherit' : 'pipe');
  const abortable = o.signal !== undefined || o.timeoutMs !== undefined;
  if (o.signal?.aborted) throw new ContainerError(name, 'exec', new TscError('EXEC_ABORTED', 'The exec was cancelled before it started'));
  let h;
  try {
    h = startHelper('exec', spec, { detached: abortable, stdio: mode === 'pipe' ? ['ignore', 'pipe', 'pipe'] : mode });
  } catch (e) {
    throw new ContainerError(name, 'exec', e);
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  h.child.stdout?.on('data', (b: Buffer) => out.push(b));
  h.child.stderr?.on('data', (b: Buffer) => err.push(b));
  let stopped: 'EXEC_ABORTED' | 'EXEC_TIMEOUT' | undefined;
  const helperPid = h.child.pid;
  const stop = (why: 'EXEC_ABORTED' | 'EXEC_TIMEOUT') => {
    if (stopped || helperPid === undefined || h.child.exitCode !== null || h.child.signalCode !== null) return;
    stopped = why;
    killExecTree(helperPid);
  };
  const onAbort = () => stop('EXEC_ABORTED');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = o.timeoutMs !== undefined ? setTimeout(() => stop('EXEC_TIMEOUT'), o.timeoutMs) : undefined;
  let result: ExecResult | undefined;
  let code: string;
  try {
    try {
      for await (const m of h.messages) {
        if (m.type === 'error') throw new ContainerError(name, m.step === 'exec' ? 'exec' : `exec ${m.step}`, stepError(m));
        if (m.type === 'exit') result = { code: m.code, signal: m.signal };
      }
    } catch (e) {
      if (e instanceof ContainerError) throw e;
      throw new ContainerError(name, 'exec', e);
    }
    code = await exitOf(h.child);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
  }
  if (stopped) {
    // The helper (the exec'd process's parent) has exited: the process is gone too (SIGKILL'd).
    const msg = stopped === 'EXEC_TIMEOUT' ? `The exec ran longer than ${o.timeoutMs} ms and was killed` : 'The exec was cancelled and killed';
    throw new ContainerError(name, 'exec', new TscError(stopped, msg));
  }
  if (!result) throw new ContainerError(name, 'exec', new TscError('HELPER', `The exec helper ended without a status (exit ${code})`));
  if (mode === 'pipe') {
    result.stdout = Buffer.concat(out).toString('utf8');
    result.stderr = Buffer.concat(err).toString('utf8');
  }
  return result;
}

/**
 * SIGKILLs an exec helper and what it runs: every descendant first (found through /proc before
 * anything dies, since orphans are re-parented to the container's PID 1 and the chain is lost;
 * with a tty the process has its own session), then the helper's process group (children that
 * left the tree but stayed in the group).
 */
function killExecTree(helperPid: number): void {
  for (const pid of descendantsOf(helperPid)) killProcess(pid, 'SIGKILL');
  try { process.kill(-helperPid, 'SIGKILL'); } catch { /* group already gone */ }
}

/** Host pids whose parent chain leads to `root` (from /proc/<pid>/stat). */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return []; }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try { stat = readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(d)); else children.set(ppid, [Number(d)]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) for (const c of children.get(todo.pop()!) ?? []) { out.push(c); todo.push(c); }
  return out;
}

/** `K=V` lists: later keys replace earlier ones in place. */
function mergeEnv(base: string[], over: string[]): string[] {
  const m = new Map<string, string>();
  for (const kv of [...base, ...over]) {
    const i = kv.indexOf('=');
    m.set(i < 0 ? kv : kv.slice(0, i), kv);
  }
  return [...m.values()];
}

/** Removes what launch wrote into the container dir (not the dir: rootfs and logs live there too). */
export function removeRuntimeFiles(containerDir: string): void {
  for (const f of [files.config, files.exit, files.waiterPid, files.pid, files.gate]) rmSync(f(containerDir), { force: true });
}
