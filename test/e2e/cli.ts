// Drives the real CLI (bin/tscompose) in a test's own TSCOMPOSE_ROOT/RUN, with the busybox test
// image imported into that store, and checks afterwards that nothing of the project is left.
import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, leftovers, type TestEnv } from '../helpers/env.ts';
import { busyboxTar } from '../helpers/images.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${REPO}bin/tscompose`;
export const STACKS = `${REPO}examples/stacks`;

export interface Run { code: number; stdout: string; stderr: string }

export interface E2E extends TestEnv {
  tsc(args: string[], o?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run;
  spawnTsc(args: string[], o?: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess;
  /** `down -v -t 0`, then every host object mentioning the project or the temp dir. */
  teardown(stack: string): string[];
}

export function e2eEnv(label: string): E2E {
  const t = testEnv(label);
  const e: E2E = {
    ...t,
    tsc(args, o = {}) {
      const r = spawnSync(BIN, args, { cwd: o.cwd ?? REPO, env: { ...t.env, ...o.env }, encoding: 'utf8', timeout: o.timeoutMs ?? 120_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    spawnTsc(args, o = {}) {
      return spawn(BIN, args, { cwd: o.cwd ?? REPO, env: { ...t.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    teardown(stack) {
      // Every project the test made (a failed assertion may have skipped its own `down`).
      let projects: string[] = [];
      try { projects = readdirSync(t.run).filter((p) => existsSync(`${t.run}/${p}/state.json`)); } catch { /* nothing ran */ }
      for (const p of new Set([t.project, ...projects])) e.tsc(['-p', p, 'down', '-v', '-t', '0'], { cwd: stack });
      // Links are named by hash (tsc-/tsv-), so the suite's host snapshot (scripts/test.mjs) checks those.
      const left = [...new Set([...leftovers(t.project), ...leftovers(t.dir)])];
      // Never delete a temp dir through live mounts: leave it for a human (the assertion names it).
      if (left.length) e.cleanup = () => undefined;
      return left;
    },
  };
  const imp = e.tsc(['image', 'import', busyboxTar(), 'tscompose-test/busybox:latest', '-c', 'CMD ["sh"]']);
  if (imp.code !== 0) throw new Error(`image import failed: ${imp.stderr}`);
  return e;
}

/**
 * A test file's e2eEnv with one stack dir holding `compose.yaml` (made from the env: the YAML may name
 * e.project), and the after() such files share: `down` every project of the test, then assert that
 * nothing of it is left. Call at the top level of the test file.
 */
export function e2eStack(label: string, composeYaml: (e: E2E) => string): { e: E2E; stack: string } {
  const e = e2eEnv(label);
  const stack = `${e.dir}/stack`;
  mkdirSync(stack, { recursive: true });
  writeFileSync(`${stack}/compose.yaml`, composeYaml(e));
  after(() => {
    const left = e.teardown(stack);
    e.cleanup();
    assert.deepEqual(left, [], 'nothing of the project is left');
  });
  return { e, stack };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function until<T>(fn: () => T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The exit code of a spawned CLI, bounded: resolves at once when it already exited (an `exit`
 * event that fired before the caller listened is never emitted again), else SIGKILLs it after
 * `ms` and rejects naming `what`, so a stuck command fails the test instead of hanging it.
 */
export function exitOf(child: ChildProcess, ms: number, what: string): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${ms} ms waiting for ${what} to exit`));
    }, ms);
    child.once('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
}
