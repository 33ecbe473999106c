// The per-project lock: every command that changes a project's host objects or state.json takes
// it, so two concurrent `tscompose` commands on one project run one after the other and never
// interleave journal writes. It is a kernel flock on `$TSCOMPOSE_RUN/<project>/lock`, released by
// the kernel when the holder dies (kill -9 included), so there is no stale lock to break. The file
// also holds the holder's pid, start time and command, only to tell a waiting user who holds it.
import { openSync, closeSync, writeFileSync, readFileSync, mkdirSync, ftruncateSync, fstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths } from './paths.ts';
import { realProc } from './proc.ts';
import { tryFlockExclusive, funlock } from '../sys/flock.ts';
import { TscError } from '../../schema/errors.ts';

export interface LockHolder {
  pid: number;
  startTime?: number;
  command: string;
  since: string;
}

export interface ProjectLock {
  readonly project: string;
  release(): void;
}

export class LockTimeoutError extends TscError {
  constructor(project: string, holder: LockHolder | undefined, waitedMs: number) {
    const who = holder ? `pid ${holder.pid} (${holder.command}, since ${holder.since})` : 'another tscompose command';
    super('LOCKED', `Project "${project}" is busy: ${who} holds its lock (waited ${Math.round(waitedMs / 1000)} s)`, {
      hint: 'wait for that command to finish, or stop it',
    });
  }
}

// Re-entrant within one process: the supervisor's plan runner and its journal writes may nest.
const held = new Map<string, { fd: number; depth: number }>();

export interface LockOptions {
  command: string;
  /** How long to wait for another holder; default 60 s. */
  timeoutMs?: number;
  /** Called once when we start waiting, so the CLI can say who we wait for. */
  onWait?: (holder: LockHolder | undefined) => void;
  signal?: AbortSignal;
}

export async function acquireLock(project: string, opts: LockOptions): Promise<ProjectLock> {
  const file = paths.lock(project);
  const mine = held.get(file);
  if (mine) {
    mine.depth++;
    return handle(project, file);
  }
  const started = Date.now();
  const timeout = opts.timeoutMs ?? 60_000;
  let told = false;
  let fd: number;
  for (;;) {
    fd = openLockFile(file);
    try {
      for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
        if (tryFlockExclusive(fd, file)) break;
        if (!told) {
          told = true;
          opts.onWait?.(readHolder(project));
        }
        if (Date.now() - started > timeout) throw new LockTimeoutError(project, readHolder(project), Date.now() - started);
        if (opts.signal?.aborted) throw opts.signal.reason;
        await sleep(delay);
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    // `down` removes the project's run dir, lock file included, as its last act while it holds
    // the lock: a command that was waiting on that file now holds a lock on a file nobody else
    // can open. Only a lock on the file that is at the path counts; else take the new one.
    if (isLockFileAtPath(fd, file)) break;
    funlock(fd);
    closeSync(fd);
  }
  const holder: LockHolder = {
    pid: process.pid,
    command: opts.command,
    since: new Date().toISOString(),
  };
  const st = realProc.startTime(process.pid);
  if (st !== undefined) holder.startTime = st;
  ftruncateSync(fd, 0);
  writeFileSync(fd, JSON.stringify(holder) + '\n');
  held.set(file, { fd, depth: 1 });
  return handle(project, file);
}

/** Opens (creating) the lock file; the dir may vanish between mkdir and open when a `down` removes it. */
function openLockFile(file: string): number {
  for (let i = 0; ; i++) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      return openSync(file, 'a+', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 20) throw e;
    }
  }
}

function isLockFileAtPath(fd: number, file: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(file);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function handle(project: string, file: string): ProjectLock {
  let released = false;
  return {
    project,
    release() {
      if (released) return;
      released = true;
      const h = held.get(file);
      if (!h) return;
      if (--h.depth > 0) return;
      held.delete(file);
      try { ftruncateSync(h.fd, 0); } catch { /* best effort: the info is advisory */ }
      funlock(h.fd);
      closeSync(h.fd);
    },
  };
}

export function readHolder(project: string): LockHolder | undefined {
  try {
    const t = readFileSync(paths.lock(project), 'utf8').trim();
    return t ? (JSON.parse(t) as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `fn` holding the project's lock. */
export async function withLock<T>(project: string, opts: LockOptions, fn: () => Promise<T> | T): Promise<T> {
  const lock = await acquireLock(project, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
