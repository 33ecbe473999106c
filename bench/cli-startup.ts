// bench/cli-startup: median wall-clock ms of `tscompose --version` and `tscompose config -q` on a
// small stack, through bin/tscompose (the launcher, with its Node compile cache). Prints figures only.
// Run: node bench/cli-startup.ts [runs=11]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function time(args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8' });
    const dt = performance.now() - t0;
    if (r.status !== 0) throw new Error(`tscompose ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(dt); // the first run fills the compile cache
  }
  return out;
}

try {
  console.log(`bench/cli-startup: ${runs} runs each; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
  for (const args of [['--version'], ['config', '-q'], ['config']]) {
    const t = time(args);
    console.log(`tscompose ${args.join(' ').padEnd(10)} median ${median(t).toFixed(1)} ms (min ${Math.min(...t).toFixed(1)}, max ${Math.max(...t).toFixed(1)})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
