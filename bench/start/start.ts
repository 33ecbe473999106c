// bench/start: create + start + wait + delete of `/bin/true` in a busybox container, N runs,
// median/min/max, for our runtime beside `crun run` and `runc run` on the SAME bundle (one
// `crun spec` config.json, one rootfs dir). Rounds are interleaved (ours, crun, runc, ours, …)
// so machine noise hits all three alike; back-to-back and after-idle figures are separate
// (FACTS.md: a v1 cgroup migration after idle waits an RCU grace period).
//
//   node bench/start/start.ts [runs=50] [idleRuns=10]
//
// Rows:
//   tscompose (API)        the supervisor's path: cgroup create (driver) → launch (helper) → exit.json → cgroup remove
//   tscompose (API+overlay) the same with the overlay rootfs (executor/rootfs) mounted/unmounted around it, as `up` does
//   tscompose runtime run  the CLI, Node boot included (for reference only: the supervisor never pays it)
//   crun run / runc run    spawned the way bench-peers runs them
//
// crun refuses this hybrid cgroup layout while hugetlb sits on the v2 hierarchy (FACTS.md); like
// /work/shared/bench-peers/engines.sh we mount hugetlb as v1 for the run and undo it afterwards,
// only if we were the ones who did it. Prints figures only, never asserts on time.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupDriver } from '../../executor/cgroup/driver.ts';
import { oomFileOf } from '../../executor/runtime/cgroup-adapter.ts';
import { launch, waitExit } from '../../executor/runtime/runtime.ts';
import type { OciSpec } from '../../executor/runtime/oci.ts';
import { mountRootfs, unmountRootfs } from '../../executor/rootfs/rootfs.ts';
import { busyboxLower } from '../../test/integration/runtime/fixture.ts';

const runs = Number(process.argv[2] ?? 50);
const idleRuns = Number(process.argv[3] ?? 10);
const work = mkdtempSync(join(tmpdir(), 'tscompose-bench-start-'));
process.env.TSCOMPOSE_ROOT = join(work, 'root');
process.env.TSCOMPOSE_RUN = join(work, 'run');
const project = `bstart${process.pid}`;
const bin = new URL('../../bin/tscompose', import.meta.url).pathname;

const bundle = join(work, 'bundle');
mkdirSync(bundle, { recursive: true });
execFileSync('crun', ['spec'], { cwd: bundle });
execFileSync('cp', ['-a', busyboxLower(work), join(bundle, 'rootfs')]);
const cfgPath = join(bundle, 'config.json');
const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as OciSpec;
cfg.process.terminal = false;
cfg.process.args = ['/bin/true'];
writeFileSync(cfgPath, JSON.stringify(cfg));
const spec: OciSpec = { ...cfg, root: { ...cfg.root, path: join(bundle, 'rootfs') } };

// Our driver is detected before the hugetlb fix, so it never creates dirs in that hierarchy.
const driver = detectCgroupDriver();
let n = 0;

async function ours(overlay: boolean): Promise<number> {
  const id = `${project}-${n++}`;
  const dir = join(work, 'containers', id);
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  let s = spec;
  if (overlay) {
    // the rootfs part's own path (koffi mount, init layer), as the supervisor runs it
    const { merged } = await mountRootfs({ containerDir: dir, layerDirs: [spec.root.path], initFiles: { '/etc/hostname': `${id}\n` } });
    s = { ...spec, root: { path: merged } };
  }
  const h = driver.create(project, id, {});
  const oom = oomFileOf(h);
  await launch({ id, name: id, spec: s, containerDir: dir, cgroupProcs: driver.procsFiles(h), ...(oom ? { oomFile: oom } : {}) });
  const exit = await waitExit(dir);
  await driver.remove(h);
  if (overlay) await unmountRootfs(dir);
  rmSync(dir, { recursive: true, force: true });
  const t = performance.now() - t0;
  if (exit.code !== 0) throw new Error(`ours: exit ${exit.code}`);
  return t;
}

function spawned(cmd: string[], cleanup?: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  const t = performance.now() - t0;
  if (cleanup) spawnSync(cleanup[0]!, cleanup.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.status}: ${r.stderr.toString().trim()}`);
  return t;
}

const runners: [string, () => Promise<number> | number][] = [
  ['tscompose (API)', () => ours(false)],
  ['tscompose (API+overlay)', () => ours(true)],
  ['tscompose runtime run (CLI)', () => { const id = `${project}-c${n++}`; return spawned([bin, 'runtime', 'run', '--bundle', bundle, id]); }],
];
const haveCrun = spawnSync('crun', ['--version']).status === 0;
const haveRunc = spawnSync('runc', ['--version']).status === 0;
if (haveCrun) runners.push(['crun run', () => { const id = `${project}-k${n++}`; return spawned(['crun', 'run', '--bundle', bundle, id], ['crun', 'delete', '-f', id]); }]);
if (haveRunc) runners.push(['runc run', () => { const id = `${project}-r${n++}`; return spawned(['runc', 'run', '--bundle', bundle, id], ['runc', 'delete', '-f', id]); }]);

// ---- hugetlb fix for crun (engines.sh cgroup-fix / cgroup-unfix) ----
const fixed: string[] = [];
function cgroupFix(): void {
  const ctl = readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const c of ctl) {
    const mp = `/sys/fs/cgroup/${c}`;
    if (spawnSync('mountpoint', ['-q', mp]).status === 0) continue;
    mkdirSync(mp, { recursive: true });
    execFileSync('mount', ['-t', 'cgroup', '-o', c, 'cgroup', mp]);
    fixed.push(c);
  }
}
function cgroupUnfix(): void {
  for (const c of fixed) {
    const mp = `/sys/fs/cgroup/${c}`;
    // crun removes its cgroups on delete; the hierarchy is only released once it has no child.
    for (let i = 0; i < 50; i++) {
      const line = readFileSync('/proc/cgroups', 'utf8').split('\n').find((l) => l.split('\t')[0] === c);
      if (line?.split('\t')[2] === '1') break;
      execFileSync('sleep', ['0.1']);
    }
    spawnSync('umount', [mp]);
    try { rmSync(mp, { recursive: false }); } catch { spawnSync('rmdir', [mp]); }
    for (let i = 0; i < 20 && !readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').includes(c); i++) execFileSync('sleep', ['0.1']);
  }
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)! };
}

async function measure(count: number, idleMs: number): Promise<Map<string, number[]>> {
  const res = new Map<string, number[]>(runners.map(([name]) => [name, []]));
  for (let i = 0; i < count; i++) {
    for (const [name, fn] of runners) {
      if (idleMs) await new Promise((r) => setTimeout(r, idleMs));
      res.get(name)!.push(await fn());
    }
  }
  return res;
}

try {
  if (haveCrun) cgroupFix();
  await measure(3, 0); // warm-up: page cache, Node's compile cache, the helper binary
  const b2b = await measure(runs, 0);
  const idle = await measure(idleRuns, 200);
  const crunMed = b2b.has('crun run') ? stats(b2b.get('crun run')!).median : undefined;
  const crunIdle = idle.has('crun run') ? stats(idle.get('crun run')!).median : undefined;
  console.log(`bench/start: /bin/true in busybox, one crun-spec bundle; ${runs} back-to-back rounds + ${idleRuns} after 0.2 s idle, interleaved`);
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores, shared machine)\n`);
  console.log('| runtime | median ms | min | max | × crun | idle median | min | max | × crun |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name] of runners) {
    const a = stats(b2b.get(name)!);
    const b = stats(idle.get(name)!);
    const ra = crunMed ? (a.median / crunMed).toFixed(2) : '-';
    const rb = crunIdle ? (b.median / crunIdle).toFixed(2) : '-';
    console.log(`| ${name} | ${a.median.toFixed(1)} | ${a.min.toFixed(1)} | ${a.max.toFixed(1)} | ${ra} | ${b.median.toFixed(1)} | ${b.min.toFixed(1)} | ${b.max.toFixed(1)} | ${rb} |`);
  }
  console.log(`\nSupervisor RSS now ${(process.memoryUsage().rss / 1048576).toFixed(1)} MB; nothing of ours stays per container after exit (the waiter exits with the app).`);
} finally {
  if (fixed.length) cgroupUnfix();
  await driver.removeProject(project);
  rmSync(work, { recursive: true, force: true });
  if (existsSync(work)) console.error(`could not remove ${work}`);
}
