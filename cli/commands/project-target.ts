// What the lifecycle commands share: which project (by -p, or from the stack file), its
// containers selected by service, and the supervisor (told to reload, or started when missing).
import { spawn } from 'node:child_process';
import { openSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Project } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import { globalsOf, type GlobalOptions } from '../global-options.ts';
import { loadProjectFor } from '../load-project.ts';
import { paths } from '../../executor/state/paths.ts';
import type { ContainerRecord, ProjectState } from '../../executor/state/journal.ts';
import { SUPERVISOR_ENV } from '../../planner/sha256.ts';

export interface Target {
  name: string;
  /** The loaded stack file, when there is one (down/ps/logs work without it given -p). */
  project?: Project;
  globals: GlobalOptions;
}

export async function targetOf(cmd: Command, o: { needProject?: boolean } = {}): Promise<Target> {
  const g = globalsOf(cmd);
  if (g.projectName && !g.file?.length && !o.needProject) {
    // -p alone: the stack file is optional (the journal knows the project).
    try {
      const project = await loadProjectFor(g, { onWarning: () => undefined });
      return { name: g.projectName, project, globals: g };
    } catch {
      return { name: g.projectName, globals: g };
    }
  }
  const project = await loadProjectFor(g);
  return { name: project.name, project, globals: g };
}

export function selectContainers(state: ProjectState, services: string[], o: { index?: number; oneOff?: boolean } = {}): ContainerRecord[] {
  const known = new Set(Object.values(state.containers).map((c) => c.service));
  for (const s of services) if (!known.has(s)) throw new TscError('NO_SERVICE', `No container found for service "${s}"`);
  return Object.values(state.containers)
    .filter((c) => (services.length === 0 || services.includes(c.service)) && (o.oneOff || !c.oneOff))
    .filter((c) => o.index === undefined || c.number === o.index)
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
}

// Run from build/js (scripts/build-js), the CLI is .js: a spawned supervisor runs the same build.
const MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../main.js' : '../main.ts', import.meta.url));

/**
 * Node flags of a detached supervisor, which lives as long as the stack (goal ≤ 60 MB RSS): a 1 MB
 * young generation (the default grows to 16 MB semi-spaces: most of the +0.5 MB RSS per container
 * measured before), and V8's lite mode (bytecode interpreter only, lazy feedback: no compiler code
 * or output resident). Lite mode has no WebAssembly, which Node's TypeScript stripper needs, so
 * from the .ts sources it is only the optimizing compilers that are off. Measured with `up -d` of
 * 1 and 30 services (bench/up-down, built JS): RSS 89.7 → 65 MB, +0.54 → +0.12 MB per container,
 * and the supervisor's CPU time for 30 services within noise of the default.
 */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', ...(MAIN.endsWith('.js') ? ['--lite-mode'] : ['--no-opt', '--no-maglev'])];

/**
 * The environment of a detached supervisor: glibc malloc with one arena and an eager trim (Node's
 * threads otherwise each grow an arena of their own): −1.7 MB RSS measured, no CPU difference seen.
 * From the JS build, no Node compile cache (NODE_COMPILE_CACHE, set by bin/tscompose): with it
 * the supervisor's anonymous memory is 0.9 MB larger for good (the cache's buffers and the code
 * deserialized from it stay resident in a process that never exits), and its CPU time measured
 * the same without it (lite mode compiles lazily to bytecode only: little for a cache to save).
 * The .ts sources keep it (on a miss they load the TypeScript stripper: +35 MB).
 * SUPERVISOR_ENV=1: hashes in pure JS, without node:crypto (−2.5 MB, planner/sha256.ts).
 * Containers get their spec's environment, not this one.
 */
export function supervisorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '65536', ...env, [SUPERVISOR_ENV]: '1' };
  if (MAIN.endsWith('.js')) delete out.NODE_COMPILE_CACHE;
  return out;
}

/** argv to run this CLI again (same Node, same flags, plus `nodeFlags`). */
export function selfArgv(args: string[], nodeFlags: string[] = []): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: [...process.execArgv.filter((a) => !a.startsWith('--test')), ...nodeFlags, MAIN, ...args] };
}

/** Starts a detached `tscompose -p NAME supervise` that adopts the project's running containers. */
export function spawnSupervisor(project: string, extra: string[] = []): void {
  const dir = paths.project(project);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = openSync(join(dir, 'supervisor.log'), 'a');
  const { cmd, args } = selfArgv(['-p', project, 'supervise', ...extra], SUPERVISOR_NODE_FLAGS);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log], env: supervisorEnv(process.env) });
  child.unref();
}

/** After changing the journal: the live supervisor re-reads it; none alive → start one (when asked). */
export async function notifySupervisor(project: string, o: { start?: boolean } = {}): Promise<void> {
  const { controlRequest } = await import('../../executor/supervisor/control.ts');
  try {
    await controlRequest(project, 'reload', {}, 3000);
  } catch {
    if (o.start) spawnSupervisor(project);
  }
}

export function parseDurationFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new TscError('USAGE', `${flag}: expected seconds, got "${v}"`);
  return n * 1000;
}
