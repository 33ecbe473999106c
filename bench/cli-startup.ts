// bench/cli-startup: median wall-clock ms of `tscompose --version` and `tscompose config -q` on a
// small stack, through bin/tscompose (the launcher, with its Node compile cache), and the mean CPU
// ms (the launcher and node, from this process's waited-children times). Prints figures only.
// bin/tscompose runs the JS build (scripts/build-js) while it is up to date, else the .ts sources;
// TSCOMPOSE_NO_JS=1 compares the sources.
// Run: node bench/cli-startup.ts [runs=11]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';


const runs = Number(process.argv[2] ?? 11);
const bin = new URL('../bin/tscompose', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-cli-'));
writeFileSync(join(dir, 'compose.yaml'), `services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
    depends_on: [db]
    environment: {DB_HOST: db}
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: "\${PW:-secret}"}
    volumes: ["pg:/var/lib/postgresql/data"]
volumes:
  pg: {}
`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU ms of this process's waited-for children so far (/proc/self/stat cutime + cstime, 100 Hz). */
function childrenCpuMs(): number {
  const st = readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

function time(args: string[]): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8' });
    const dt = performance.now() - t0;
    if (r.status !== 0) throw new Error(`tscompose ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) { wall.push(dt); cpu.push(childrenCpuMs() - c0); } // the first run fills the compile cache
  }
  return { wall, cpu };
}

try {
  console.log(`bench/cli-startup: ${runs} runs each; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
  for (const args of [['--version'], ['config', '-q'], ['config']]) {
    const { wall: t, cpu } = time(args);
    console.log(`tscompose ${args.join(' ').padEnd(10)} median ${median(t).toFixed(1)} ms (min ${Math.min(...t).toFixed(1)}, max ${Math.max(...t).toFixed(1)}); CPU mean ${(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(0)} ms`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
