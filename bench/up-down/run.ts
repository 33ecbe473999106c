// bench/up-down: the CLI end to end, like shared/bench-peers' `compose` measurement — `up -d`
// until every container runs, then `down -t 0` — for 1, 10 and 30 busybox services
// (`sleep 3600`, default network), median and min–max over R runs; plus the supervisor's RSS
// with 1 container (base) and its growth per container up to 30, and the waiters' PSS.
// CPU time beside the wall time (the machine is shared): the `up -d` client's (with the children
// it waited for) and the detached supervisor's own (with its waited children: mount, ip, nft …)
// until every container runs; and the load average.
// Prints figures only, never asserts on time.
//
//   node bench/up-down/run.ts [runs=5] [sizes=1,10,30]
//
// Runs in its own temp TSCOMPOSE_ROOT/RUN with the busybox test image imported there.
// To put tscompose beside docker-compose and podman-compose in the same run, see
// bench/up-down/README.md (peerbench.py templates).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxTar } from '../../test/helpers/images.ts';

const runs = Number(process.argv[2] ?? 5);
const sizes = (process.argv[3] ?? '1,10,30').split(',').map(Number);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${repo}bin/tscompose`;
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-updown-'));
const env = { ...process.env, TSCOMPOSE_ROOT: join(dir, 'root'), TSCOMPOSE_RUN: join(dir, 'run'), CI: 'true' };

function tsc(args: string[], cwd = dir): { code: number; out: string; err: string } {
  const r = spawnSync(bin, args, { cwd, env, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function stack(n: number): string {
  const w = Math.max(3, String(n).length);
  const lines = ['services:'];
  for (let i = 1; i <= n; i++) lines.push(`  s${String(i).padStart(w, '0')}:`, '    image: tscompose-test/busybox:latest', '    command: ["sleep", "3600"]');
  const f = join(dir, `stack-${n}.yaml`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function running(project: string): number {
  return tsc(['-p', project, 'ps', '-q', '--status', 'running']).out.split('\n').filter(Boolean).length;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = median(s);
  return `${med.toFixed(0).padStart(6)} ms  (${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)})`;
}

/** CPU ms of this process's waited-for children so far (/proc/self/stat cutime + cstime). */
function childrenCpuMs(): number {
  const st = readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // fields 16, 17 in clock ticks (100 Hz)
}

/** CPU ms of a live process and its waited-for children (utime + stime + cutime + cstime). */
function processCpuMs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
  } catch { return NaN; }
}

function kb(pid: number, field: 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

function pssKb(pid: number): number {
  try { return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

function supervisorPid(project: string): number {
  const s = JSON.parse(readFileSync(join(env.TSCOMPOSE_RUN, project, 'state.json'), 'utf8')) as { supervisor?: { pid: number }; containers: Record<string, { waiterPid?: number }> };
  return s.supervisor?.pid ?? 0;
}

function waiterPids(project: string): number[] {
  const s = JSON.parse(readFileSync(join(env.TSCOMPOSE_RUN, project, 'state.json'), 'utf8')) as { containers: Record<string, { waiterPid?: number }> };
  return Object.values(s.containers).map((c) => c.waiterPid ?? 0).filter((p) => p > 0);
}

try {
  const imp = tsc(['image', 'import', busyboxTar(), 'tscompose-test/busybox:latest', '-c', 'CMD ["sh"]']);
  if (imp.code !== 0) throw new Error(imp.err);
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`bench/up-down: ${runs} runs per size, busybox "sleep 3600", default network (median, min–max); load average ${load()}`);
  console.log('services   up -d → all running          down -t 0               CPU ms of up: client  supervisor');
  for (const n of sizes) {
    const file = stack(n);
    const ups: number[] = [];
    const downs: number[] = [];
    const clientCpu: number[] = [];
    const supCpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const project = `bench${n}r${r}`;
      let t0 = process.hrtime.bigint();
      const c0 = childrenCpuMs();
      const up = tsc(['-f', file, '-p', project, 'up', '-d']);
      clientCpu.push(childrenCpuMs() - c0);
      if (up.code !== 0) throw new Error(`up failed: ${up.err}`);
      while (running(project) < n) { /* poll, as peerbench does */ }
      ups.push(ms(t0));
      supCpu.push(processCpuMs(supervisorPid(project)));
      t0 = process.hrtime.bigint();
      const down = tsc(['-f', file, '-p', project, 'down', '-t', '0']);
      if (down.code !== 0) throw new Error(`down failed: ${down.err}`);
      downs.push(ms(t0));
    }
    console.log(`${String(n).padStart(8)}   ${stats(ups)}   ${stats(downs)}   ${median(clientCpu).toFixed(0).padStart(6)}  ${median(supCpu).toFixed(0).padStart(10)}`);
  }
  console.log(`load average after: ${load()}`);
  // Memory: the supervisor with 1 container, then with 30; the waiters' PSS.
  const mem: Record<number, { rss: number; waiterPss: number }> = {};
  for (const n of [1, 30]) {
    const project = `benchmem${n}`;
    const file = stack(n);
    if (tsc(['-f', file, '-p', project, 'up', '-d']).code !== 0) throw new Error('up failed');
    while (running(project) < n) { /* wait */ }
    await new Promise((r) => setTimeout(r, 1500)); // let the supervisor settle (GC, lazy imports)
    const pid = supervisorPid(project);
    const w = waiterPids(project);
    mem[n] = { rss: kb(pid, 'VmRSS'), waiterPss: w.reduce((a, p) => a + pssKb(p), 0) / Math.max(1, w.length) };
    tsc(['-f', file, '-p', project, 'down', '-t', '0']);
  }
  const base = mem[1]!.rss / 1024;
  const per = (mem[30]!.rss - mem[1]!.rss) / 29 / 1024;
  console.log(`supervisor RSS: ${base.toFixed(1)} MB with 1 container; +${per.toFixed(3)} MB per container (1 → 30)`);
  console.log(`waiter PSS per container: ${(mem[30]!.waiterPss / 1024).toFixed(2)} MB`);
} finally {
  // Whatever a failed run left: down every project still journaled, then the temp dir.
  const runDir = join(env.TSCOMPOSE_RUN);
  if (existsSync(runDir)) {
    for (const p of spawnSync('ls', [runDir], { encoding: 'utf8' }).stdout.split('\n').filter((x) => x.startsWith('bench'))) {
      tsc(['-p', p, 'down', '-t', '0']);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
