// bench/config: load + interpolate + validate + normalize a generated stack of N services (default
// 1000) that uses anchors, merge keys, interpolation and extends; prints median milliseconds.
// "cold" is what a command pays: the first load in a fresh Node process (modules already imported,
// so type stripping is not counted; the JIT is cold), CPU of all threads (GC included), with a
// Node compile cache as bin/tscompose sets one (a first, discarded run fills it).
// "warm" repeats the load in one process after two warm-up runs.
// Run: node bench/config.ts [services=1000] [runs=15]. Prints figures, asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectSync } from '../schema/load.ts';
import type { LoadOptions } from '../schema/load.ts';
import { fileParseCache } from '../cli/parse-cache.ts';

export function generateStack(n: number): string {
  const out: string[] = [
    'name: bench',
    'x-defaults: &defaults',
    '  restart: unless-stopped',
    '  environment: &env',
    '    TZ: UTC',
    '    LOG_LEVEL: ${LOG_LEVEL:-info}',
    '  healthcheck:',
    '    test: ["CMD", "true"]',
    '    interval: 10s',
    '    timeout: 2s',
    'services:',
    '  base:',
    '    image: "${REGISTRY:-registry.local}/base:${TAG:-1}"',
    '    labels: [team=bench]',
    '    ulimits: {nofile: 4096}',
  ];
  for (let i = 0; i < n - 1; i++) {
    const s = `svc${i}`;
    out.push(
      `  ${s}:`,
      '    <<: *defaults',
      '    extends: base',
      `    command: ["serve", "--port", "${8000 + (i % 1000)}", "--name", "${s}"]`,
      '    environment:',
      '      <<: *env',
      `      SERVICE: ${s}`,
      `      URL: "http://\${HOST:-localhost}:${8000 + (i % 1000)}"`,
      `    ports: ["127.0.0.1:${20000 + i}:${8000 + (i % 1000)}"]`,
      `    volumes: ["./data/${s}:/data", "cache:/cache:ro"]`,
      '    mem_limit: 128m',
      ...(i > 0 ? [`    depends_on: [svc${i - 1}]`] : []),
    );
  }
  out.push('volumes:', '  cache: {}', '');
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function coldChild(dir: string): void {
  // One load in this fresh process; the parent collects the figures.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const p = loadProjectSync({ cwd: dir, env: { HOME: '/root' } });
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, services: Object.keys(p.services).length }));
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--cold-child') {
  coldChild(process.argv[3]!);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 15);
  const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-'));
  try {
    const text = generateStack(n);
    writeFileSync(join(dir, 'compose.yaml'), text);
    const fmt = (label: string, times: number[], cpu: number[], services: number) =>
      console.log(`${label}: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}), CPU median ${median(cpu).toFixed(1)} ms (min ${Math.min(...cpu).toFixed(1)}) — ${services} services`);
    const measure = (label: string, opts: LoadOptions) => {
      const times: number[] = [];
      const cpu: number[] = [];
      let services = 0;
      for (let r = 0; r < runs + 2; r++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const p = loadProjectSync({ cwd: dir, env: { HOME: '/root' }, ...opts });
        const c = process.cpuUsage(c0);
        const dt = performance.now() - t0;
        services = Object.keys(p.services).length;
        if (r >= 2) {
          // the first runs warm up the JIT (and fill the cache)
          times.push(dt);
          cpu.push((c.user + c.system) / 1000);
        }
      }
      fmt(label, times, cpu, services);
    };
    const cold = () => {
      const times: number[] = [];
      const cpu: number[] = [];
      let services = 0;
      const env = { ...process.env, NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
      for (let r = -1; r < Math.min(runs, 9); r++) {
        const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--cold-child', dir], { encoding: 'utf8', env });
        if (child.status !== 0) throw new Error(`cold run failed: ${child.stderr}`);
        if (r < 0) continue;
        const o = JSON.parse(child.stdout) as { wall: number; cpu: number; services: number };
        times.push(o.wall);
        cpu.push(o.cpu);
        services = o.services;
      }
      fmt('cold: first load in a fresh process', times, cpu, services);
    };
    console.log(`bench/config: ${n} services, ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB, ${runs} runs; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
    cold();
    measure('warm: parse every time (no cache) ', {});
    measure('warm: with the CLI parse cache    ', { parseCache: fileParseCache({ XDG_CACHE_HOME: join(dir, 'cache') })! });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
