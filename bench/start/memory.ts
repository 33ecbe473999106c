// bench/start/memory: what stays resident per running container. Starts N busybox `sleep`
// containers through the API (cgroup driver + launch) and prints the waiter's RSS/PSS (from
// /proc/PID/smaps_rollup) and the supervisor's (this process's) RSS growth per container.
// Prints figures only.
//
//   node bench/start/memory.ts [containers=20]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupDriver, type CgroupHandle } from '../../executor/cgroup/driver.ts';
import { launch, kill, waitExit, type Launched } from '../../executor/runtime/runtime.ts';
import type { OciSpec } from '../../executor/runtime/oci.ts';
import { busyboxLower } from '../../test/integration/runtime/fixture.ts';

const count = Number(process.argv[2] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'tscompose-bench-mem-'));
process.env.TSCOMPOSE_ROOT = join(work, 'root');
process.env.TSCOMPOSE_RUN = join(work, 'run');
const project = `bmem${process.pid}`;
const bundle = join(work, 'bundle');
mkdirSync(bundle, { recursive: true });
execFileSync('crun', ['spec'], { cwd: bundle });
const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as OciSpec;
spec.process.terminal = false;
spec.process.args = ['sleep', '600'];
spec.root = { path: busyboxLower(work) };
const driver = detectCgroupDriver();

function kb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

const started: { dir: string; h: CgroupHandle; l: Launched }[] = [];
try {
  // one launch first, so module loading and the helper's first spawn are not counted per container
  const warm = { dir: join(work, 'c', 'warm'), h: driver.create(project, 'warm', {}) };
  const wl = await launch({ id: 'warm', name: 'warm', spec, containerDir: warm.dir, cgroupProcs: driver.procsFiles(warm.h) });
  started.push({ ...warm, l: wl });
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < count; i++) {
    const id = `m${i}`;
    const dir = join(work, 'c', id);
    const h = driver.create(project, id, {});
    const l = await launch({ id, name: id, spec, containerDir: dir, cgroupProcs: driver.procsFiles(h) });
    started.push({ dir, h, l });
  }
  globalThis.gc?.();
  const rss1 = process.memoryUsage().rss;
  const waiters = started.slice(1).map((s) => s.l.waiterPid);
  const rss = waiters.map((p) => kb(p, 'Rss'));
  const pss = waiters.map((p) => kb(p, 'Pss'));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`bench/start/memory: ${count} running busybox containers (sleep), waiter = the static helper after exec`);
  console.log(`waiter RSS ${(avg(rss) / 1024).toFixed(2)} MB, PSS ${(avg(pss) / 1024).toFixed(2)} MB per container (mean of ${count})`);
  console.log(`supervisor RSS ${(rss0 / 1048576).toFixed(1)} → ${(rss1 / 1048576).toFixed(1)} MB: ${((rss1 - rss0) / count / 1024).toFixed(0)} kB per container`);
  console.log('(reference, FACTS.md: conmon 2.0 MB RSS / 0.46 PSS, docker shim 12.9 / 3.35, crun waiter 0.77 PSS)');
} finally {
  for (const s of started) kill(s.l.pid, 'SIGKILL');
  for (const s of started) { await waitExit(s.dir); await driver.remove(s.h); }
  await driver.removeProject(project);
  rmSync(work, { recursive: true, force: true });
}
