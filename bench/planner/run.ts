// Planner benchmark: plan generated stacks of 1k, 10k and 100k services (random DAGs, depth ≤ 20)
// against an empty host and against a half-matching one (half the services up to date — a quarter
// running, a quarter stopped —, a quarter created from an older config that recorded its per-key
// hashes, so the plan names the changed key, and a quarter missing). Prints milliseconds per size
// (median of a few runs, wall and CPU; and one plan in a fresh process, JIT and heap cold); never
// asserts on time. Goal: 10k services < 100 ms, growing linearly.
//
//   node bench/planner/run.ts [sizes…]      e.g. node bench/planner/run.ts 1000 10000
import type { Project, Service } from '../../schema/model.ts';
import { plan, renderPlan, type Observed, type ObservedContainer } from '../../planner/plan.ts';
import { buildServiceGraph } from '../../planner/graph.ts';
import { configHash, configKeyHashes } from '../../planner/hash.ts';
import { availableParallelism, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { rng } from '../rng.ts';


function generate(n: number, seed = 42): Project {
  const r = rng(seed);
  const depth = 20;
  const layers: string[][] = Array.from({ length: depth }, () => []);
  const services: Record<string, Service> = {};
  for (let i = 0; i < n; i++) {
    const name = `svc${i}`;
    const layer = Math.floor(r() * depth);
    const deps: Service['depends_on'] = {};
    if (layer > 0) {
      const k = 1 + Math.floor(r() * 3);
      for (let j = 0; j < k; j++) {
        const from = layers[Math.floor(r() * layer)] as string[];
        if (from.length) deps[from[Math.floor(r() * from.length)] as string] = { condition: r() < 0.2 ? 'service_healthy' : 'service_started', required: true };
      }
    }
    (layers[layer] as string[]).push(name);
    services[name] = {
      image: `registry.example/team/${name}:1.${i % 7}`,
      command: ['/bin/app', '--port', String(8000 + (i % 100))],
      environment: { NAME: name, LOG_LEVEL: 'info', DB_URL: 'postgres://db/app' },
      labels: { 'com.example.team': `t${i % 13}` },
      depends_on: deps,
      ports: i % 10 === 0 ? [{ mode: 'ingress', target: 80, protocol: 'tcp' }] : [],
      volumes: [{ type: 'volume', source: 'data', target: `/data/${name}` }],
      networks: { default: null },
    };
  }
  return {
    name: 'bench', working_dir: '/srv/bench', services, disabled_services: {},
    networks: { default: { name: 'bench_default' } }, volumes: { data: { name: 'bench_data' } },
    secrets: {}, configs: {}, extensions: {}, origins: new Map(), files: ['/srv/bench/compose.yaml'],
  };
}

function halfMatching(p: Project): Observed {
  const containers: ObservedContainer[] = [];
  let i = 0;
  for (const [name, s] of Object.entries(p.services)) {
    const k = i++ % 4;
    if (k === 3) continue; // missing: created
    // k = 2: made from an older config (another LOG_LEVEL): recreated, "config changed (environment)".
    const was: Service = k === 2 ? { ...s, environment: { ...s.environment, LOG_LEVEL: 'debug' } } : s;
    containers.push({
      id: i.toString(16).padStart(64, '0'),
      name: `bench-${name}-1`,
      service: name,
      number: 1,
      configHash: configHash(was),
      configHashes: configKeyHashes(was),
      status: k === 1 ? 'exited' : 'running', // k = 1: started; k = 0: kept
    });
  }
  return { containers, networks: ['bench_default'], volumes: ['bench_data'] };
}

/**
 * Median of `runs` calls, as wall-clock ms and CPU ms (user + system of this process). On a shared
 * machine the wall time includes waiting for a CPU; compare with the load average printed first.
 */
function median(fn: () => void, runs: number): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    fn();
    const u = process.cpuUsage(c);
    wall.push(performance.now() - s);
    cpu.push((u.user + u.system) / 1000);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { wall: mid(wall), cpu: mid(cpu) };
}
const fmt = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(1).padStart(7)} ms (cpu ${t.cpu.toFixed(1).padStart(7)})`;

/**
 * `--once N`: one plan of N services against the half-matching host in this fresh process (cold JIT,
 * small young generation), as `up --dry-run` on such a stack would do it. The CPU time includes
 * the compiler and GC threads. Prints `{wall, cpu}` as JSON.
 */
if (process.argv[2] === '--once') {
  const p = generate(Number(process.argv[3]));
  const observed = halfMatching(p);
  const s = performance.now();
  const c = process.cpuUsage();
  plan(p, observed);
  const u = process.cpuUsage(c);
  console.log(JSON.stringify({ wall: performance.now() - s, cpu: (u.user + u.system) / 1000 }));
  process.exit(0);
}

function once(n: number): { wall: number; cpu: number } {
  const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--once', String(n)], { encoding: 'utf8' });
  return JSON.parse(out) as { wall: number; cpu: number };
}

console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs; node ${process.version}`);

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length ? sizes : [1_000, 10_000, 100_000]) {
  const p = generate(n);
  const observed = halfMatching(p);
  const empty: Observed = { containers: [], networks: [], volumes: [] };
  // Small sizes get more runs: one scavenge landing in a 5 ms plan would otherwise move the median.
  const runs = n >= 100_000 ? 3 : n >= 10_000 ? 9 : 31;
  // Warm-up, not counted: a few plans of each kind, so the optimizing compiler is done (its threads'
  // CPU would otherwise land in the first measured runs). The cold figure is `once` below.
  for (let i = 0; i < 3; i++) {
    plan(p, empty);
    plan(p, observed);
  }
  const graph = median(() => buildServiceGraph(p), runs);
  const vsEmpty = median(() => plan(p, empty), runs);
  const vsHalf = median(() => plan(p, observed), runs);
  const planned = plan(p, observed);
  const render = median(() => renderPlan(planned), runs);
  // A yardstick for a busy machine: plain JSON.stringify of the same services, which planning must at least read.
  const yardstick = median(() => JSON.stringify(p.services), runs);
  console.log(`${String(n).padStart(7)} services  JSON.stringify of the services ${fmt(yardstick)}`);
  const kinds = new Map<string, number>();
  for (const o of planned.operations) kinds.set(o.type, (kinds.get(o.type) ?? 0) + 1);
  console.log(`${String(n).padStart(7)} services  graph ${fmt(graph)}  plan vs empty ${fmt(vsEmpty)}  plan vs half-matching ${fmt(vsHalf)}  [${((vsHalf.cpu / n) * 1000).toFixed(1)} µs cpu/service]  render ${fmt(render)}`);
  console.log(`${String(n).padStart(7)} services  half-matching plan: ${[...kinds].map(([t, c]) => `${c} ${t}`).join(', ')}; once in a fresh process ${fmt(once(n))}; load average now ${loadavg()[0]?.toFixed(2)}`);
}
