// bench/config: load + interpolate + validate + normalize a generated stack of N services (default
// 1000) that uses anchors, merge keys, interpolation and extends; prints median milliseconds.
// Run: node bench/config.ts [services=1000] [runs=15]. Prints figures, asserts nothing.
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 15);
  const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-'));
  try {
    const text = generateStack(n);
    writeFileSync(join(dir, 'compose.yaml'), text);
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
      console.log(`${label}: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}), CPU median ${median(cpu).toFixed(1)} ms — ${services} services`);
    };
    console.log(`bench/config: ${n} services, ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB, ${runs} runs; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
    measure('parse every time (no cache)', {});
    measure('with the CLI parse cache ', { parseCache: fileParseCache({ XDG_CACHE_HOME: join(dir, 'cache') })! });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
