// Cgroup files are the interface to the kernel here (youki's libcgroups does the same): every
// driver reads and writes plain files under a root path, so unit tests point the drivers at a
// temp dir and read the values back. Errors become SysError naming the file and the value.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysError } from '../../schema/errors.ts';

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'EIO';

/** Writes one value; `optional` files are skipped when the kernel doesn't offer them (memory.memsw.*). */
export function writeValue(dir: string, file: string, value: string | number, opts: { optional?: boolean; hint?: string } = {}): boolean {
  const path = join(dir, file);
  if (opts.optional && !existsSync(path)) return false;
  try {
    writeFileSync(path, String(value));
    return true;
  } catch (e) {
    throw new SysError(`write "${String(value)}" to`, code(e), path, { cause: e, ...(opts.hint ? { hint: opts.hint } : {}) });
  }
}

/** The file's text without the trailing newline, or undefined when the file does not exist. */
export function readValue(dir: string, file: string): string | undefined {
  const path = join(dir, file);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new SysError('read', code(e), path, { cause: e });
  }
}

/** A number file; "max" and v1's near-2^63 "unlimited" read as undefined. */
export function readNumber(dir: string, file: string): number | undefined {
  const v = readValue(dir, file);
  if (v === undefined || v === '' || v === 'max') return undefined;
  const n = Number(v.split(/\s+/)[0]);
  if (!Number.isFinite(n) || n >= 2 ** 62) return undefined;
  return n;
}

/** `key value` lines (cpu.stat, memory.events, memory.oom_control, cgroup.events) as a map. */
export function readKeyed(dir: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (readValue(dir, file) ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** PIDs listed in a cgroup.procs file (empty when the cgroup is gone). */
export function readPids(dir: string): number[] {
  return (readValue(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean).map(Number);
}

export function mkdirOne(dir: string): boolean {
  // Shared parents exist almost always: checking first avoids building an EEXIST exception
  // (with its stack) per parent per hierarchy, which was most of create()'s time.
  if (existsSync(dir)) return false;
  try {
    mkdirSync(dir);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new SysError('mkdir', code(e), dir, { cause: e });
  }
}

/**
 * rmdir a cgroup directory. ENOENT counts as done (idempotent). EBUSY on a leaf means tasks are
 * still exiting: retry for up to `busyMs`. A parent that still has children answers EBUSY or
 * ENOTEMPTY and is kept (`false`). In a fake tree (plain files, `fake`), the files go first.
 */
export async function removeDir(dir: string, opts: { busyMs: number; fake: boolean }): Promise<boolean> {
  const deadline = Date.now() + opts.busyMs;
  for (;;) {
    try {
      if (opts.fake && existsSync(dir)) {
        const entries = readdirSync(dir, { withFileTypes: true });
        if (!entries.some((e) => e.isDirectory())) for (const e of entries) unlinkSync(join(dir, e.name));
      }
      rmdirSync(dir);
      return true;
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT') return true;
      if (c === 'ENOTEMPTY') return false;
      if (c === 'EBUSY' && Date.now() < deadline) {
        await sleep(10);
        continue;
      }
      if (c === 'EBUSY' && opts.busyMs === 0) return false;
      throw new SysError('rmdir', c, dir, { cause: e, hint: c === 'EBUSY' ? 'tasks are still in the cgroup' : undefined });
    }
  }
}

/** Polls `done` every few ms until it holds or `ms` pass; returns whether it held. */
export async function waitFor(done: () => boolean, ms: number, every = 5): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(every);
  }
}
