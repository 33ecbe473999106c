// bench/build: image builds of a 10-step Dockerfile (FROM busybox, 4 RUNs, 2 COPYs) in a fresh
// store, through the engine (buildImage) and through the CLI (`tscompose build`, what a user
// types). Measured:
//   1. cold build (empty cache);
//   2. no-change rebuild, N times (goal: < 300 ms; every step cached);
//   3. rebuild after editing one file that the second COPY brings in (goal: only the steps from
//      that COPY on run again), N times;
//   4. the CLI's no-change `tscompose build` (Node start + stack file + cache check), N times.
// Prints wall seconds (median, min–max), this process's CPU seconds, steps/cached, and the load
// average. Run as root: node bench/build/run.ts [runs=10]. Asserts nothing.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-build-'));
process.env.TSCOMPOSE_ROOT = join(dir, 'root');
process.env.TSCOMPOSE_RUN = join(dir, 'run');
const BIN = fileURLToPath(new URL('../../bin/tscompose', import.meta.url));

const { openImageStore } = await import('../../executor/image/store.ts');
const { buildImage } = await import('../../executor/build/build.ts');
const { busyboxImage } = await import('../../test/helpers/images.ts');

const ctx = join(dir, 'ctx');
mkdirSync(join(ctx, 'src'), { recursive: true });
writeFileSync(join(ctx, 'Dockerfile'), `FROM tscompose-test/busybox:latest
ARG VERSION=1
ENV APP_VERSION=\${VERSION}
WORKDIR /app
COPY deps.txt ./
RUN sort deps.txt > deps.sorted && wc -l < deps.sorted > deps.count
COPY src/ ./src/
RUN cat src/*.txt | wc -c > size.txt
RUN mkdir -p /app/out && cp -r src /app/out/ && rm -f /app/out/src/a.txt
RUN echo "built $APP_VERSION" > /app/out/stamp
`);
writeFileSync(join(ctx, 'deps.txt'), Array.from({ length: 50 }, (_, i) => `dep-${(i * 37) % 50}\n`).join(''));
for (let i = 0; i < 20; i++) writeFileSync(join(ctx, 'src', `${String.fromCharCode(97 + i)}.txt`), `file ${i}\n`.repeat(100));
writeFileSync(join(dir, 'compose.yaml'), 'services:\n  app:\n    build: ./ctx\n');

const store = openImageStore();
await busyboxImage(store);
// The CLI's own store is the same TSCOMPOSE_ROOT; it has the base image now too.

const cpuS = (u: NodeJS.CpuUsage) => ((u.user + u.system) / 1e6).toFixed(2);
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `median ${(med / 1000).toFixed(3)} s, min ${(s[0]! / 1000).toFixed(3)}, max ${(s[s.length - 1]! / 1000).toFixed(3)}`;
};

async function once(): Promise<{ ms: number; steps: number; cached: number; rerun: string[] }> {
  const rerun: string[] = [];
  const t0 = performance.now();
  const r = await buildImage({
    name: 'app', contextDir: ctx, tags: ['bench/app:latest'], store,
    // The filesystem steps that ran (not from the cache); config steps (FROM, ENV…) are always applied.
    onEvent: (e) => { if (e.type === 'step' && e.state === 'done' && /^(RUN|COPY|ADD) /.test(e.text)) rerun.push(`${e.step}:${e.text.split(' ').slice(0, 2).join(' ')}`); },
  });
  const ms = performance.now() - t0;
  return { ms, steps: r.steps, cached: r.cached, rerun };
}

try {
  let cpu = process.cpuUsage();
  const cold = await once();
  console.log(`cold build: ${(cold.ms / 1000).toFixed(3)} s (${cold.steps} steps, ${cold.cached} cached; CPU of this process ${cpuS(process.cpuUsage(cpu))} s)`);

  cpu = process.cpuUsage();
  const same: number[] = [];
  let sameCached = '';
  for (let i = 0; i < runs; i++) {
    const r = await once();
    same.push(r.ms);
    sameCached = `${r.cached}/${r.steps} cached`;
  }
  console.log(`no-change rebuild: ${stats(same)} (${sameCached}; CPU ${cpuS(process.cpuUsage(cpu))} s for ${runs}) — goal < 0.300 s`);

  cpu = process.cpuUsage();
  const edit: number[] = [];
  let rerun = '';
  for (let i = 0; i < runs; i++) {
    writeFileSync(join(ctx, 'src', 'c.txt'), `edit ${i}\n`.repeat(100));
    const r = await once();
    edit.push(r.ms);
    rerun = `${r.cached}/${r.steps} cached, re-ran: ${r.rerun.join(', ')}`;
  }
  console.log(`one-file edit rebuild: ${stats(edit)} (${rerun}; CPU ${cpuS(process.cpuUsage(cpu))} s for ${runs})`);

  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(BIN, ['-p', 'benchbuild', 'build', '-q'], { cwd: dir, env: process.env, encoding: 'utf8' });
    cli.push(performance.now() - t0);
    if (r.status !== 0) { console.log(`tscompose build failed: ${r.stderr}`); break; }
  }
  console.log(`CLI no-change \`tscompose build\`: ${stats(cli)}`);
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
