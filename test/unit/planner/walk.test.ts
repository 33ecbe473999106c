import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyFailedError, inDependencyOrder, inReverseDependencyOrder, planWalkGraph, serviceWalkGraph, walkPlan, type WalkGraph } from '../../../planner/walk.ts';
import { buildServiceGraph } from '../../../planner/graph.ts';
import { downPlan, plan } from '../../../planner/plan.ts';
import { TscError } from '../../../schema/errors.ts';
import { project } from './builder.ts';

function graph(edges: Record<string, string[]>): WalkGraph {
  return { nodes: Object.keys(edges), dependsOn: (id) => edges[id] ?? [] };
}

/** A visit that records start/end events and sleeps `ms[id]` (default 1 ms). */
function recorder(ms: Record<string, number> = {}, fail: Record<string, Error> = {}) {
  const events: string[] = [];
  let active = 0;
  let maxActive = 0;
  const visit = async (id: string) => {
    events.push(`start ${id}`);
    active++;
    maxActive = Math.max(maxActive, active);
    await sleep(ms[id] ?? 1);
    active--;
    events.push(`end ${id}`);
    if (fail[id]) throw fail[id];
  };
  return { events, visit, max: () => maxActive };
}

test('a node starts as soon as its own dependencies are done, not when its level is', async () => {
  // "slow" finishes only once "after-fast" has run: a walker that waited for the whole first level
  // (slow and fast) before starting after-fast would never get there, and slow fails after 5 s.
  let afterFastRan!: () => void;
  const ran = new Promise<void>((resolve) => (afterFastRan = resolve));
  const res = await inDependencyOrder(graph({ slow: [], fast: [], 'after-fast': ['fast'], 'after-slow': ['slow'] }), async (id) => {
    if (id === 'after-fast') afterFastRan();
    if (id === 'slow') {
      const timer = new AbortController();
      const timeout = sleep(5000, undefined, { signal: timer.signal }).then(() => { throw new Error('after-fast never ran while slow was running'); }, () => undefined);
      try {
        await Promise.race([ran, timeout]);
      } finally {
        timer.abort();
      }
    }
  });
  assert.deepEqual(res.failed, []);
  assert.deepEqual(res.done.sort(), ['after-fast', 'after-slow', 'fast', 'slow']);
});

test('no node starts before all of its dependencies end', async () => {
  const edges = { a: [], b: ['a'], c: ['a', 'b'], d: ['c'], e: [] };
  const r = recorder({ a: 5, b: 3 });
  await inDependencyOrder(graph(edges), r.visit);
  for (const [n, ds] of Object.entries(edges)) for (const d of ds) assert.ok(r.events.indexOf(`end ${d}`) < r.events.indexOf(`start ${n}`), `${d} before ${n}`);
});

test('reverse order runs a node only after everything that depends on it', async () => {
  const r = recorder();
  await inReverseDependencyOrder(graph({ db: [], api: ['db'], web: ['api'], worker: ['db'] }), r.visit);
  const end = (n: string) => r.events.indexOf(`end ${n}`);
  const start = (n: string) => r.events.indexOf(`start ${n}`);
  assert.ok(end('web') < start('api'));
  assert.ok(end('api') < start('db') && end('worker') < start('db'));
});

test('concurrency bounds the visits running at once', async () => {
  const edges: Record<string, string[]> = {};
  for (let i = 0; i < 12; i++) edges[`n${i}`] = [];
  const r = recorder();
  await inDependencyOrder(graph(edges), r.visit, { concurrency: 3 });
  assert.equal(r.max(), 3);
});

test('a failure fails its dependents with the cause while unrelated branches continue', async () => {
  const boom = new TscError('X', 'db would not start');
  const r = recorder({}, { db: boom });
  const res = await inDependencyOrder(graph({ db: [], api: ['db'], web: ['api'], cache: [], app: ['cache'] }), r.visit);
  assert.deepEqual(res.failed, [{ id: 'db', error: boom }]);
  assert.deepEqual(res.skipped.map((s) => s.id).sort(), ['api', 'web']);
  const web = res.skipped.find((s) => s.id === 'web')?.error;
  assert.ok(web instanceof DependencyFailedError);
  assert.equal(web.message, 'web: not run because "db" failed: db would not start');
  assert.equal(web.cause, boom);
  assert.deepEqual(res.done.sort(), ['app', 'cache']);
  assert.equal(r.events.includes('start api'), false);
});

test('onFailure continue runs dependents anyway (teardown keeps going)', async () => {
  const r = recorder({}, { web: new Error('stop failed') });
  const res = await inReverseDependencyOrder(graph({ db: [], web: ['db'] }), r.visit, { onFailure: 'continue' });
  assert.deepEqual(res.done, ['db']);
  assert.equal(res.failed[0]?.id, 'web');
});

test('an aborted signal starts nothing new, passes the signal to running visits, and reports the rest as cancelled', async () => {
  const ac = new AbortController();
  const seen: (AbortSignal | undefined)[] = [];
  const res = await inDependencyOrder(graph({ a: [], b: ['a'], c: ['b'], x: [] }), async (id, signal) => {
    seen.push(signal);
    if (id === 'a') ac.abort();
    await sleep(1);
  }, { signal: ac.signal, concurrency: 1 });
  assert.deepEqual(res.done, ['a']);
  assert.deepEqual(res.cancelled.sort(), ['b', 'c', 'x']);
  assert.equal(seen[0], ac.signal);
});

test('an empty graph finishes at once', async () => {
  assert.deepEqual(await inDependencyOrder(graph({}), () => undefined), { done: [], failed: [], skipped: [], cancelled: [] });
});

test('a cycle or an unknown node is refused before anything runs', async () => {
  let ran = 0;
  await assert.rejects(inDependencyOrder(graph({ a: ['b'], b: ['a'], c: [] }), () => void ran++), /cycle/);
  await assert.rejects(inDependencyOrder(graph({ a: ['zz'] }), () => void ran++), /"a" depends on "zz", which is not in the graph/);
  assert.equal(ran, 0);
});

test('service graphs and plans can be walked directly', async () => {
  const p = project({ db: {}, web: { depends_on: ['db'] } });
  const order: string[] = [];
  await inDependencyOrder(serviceWalkGraph(buildServiceGraph(p)), (id) => void order.push(id));
  assert.deepEqual(order, ['db', 'web']);
  const ops: string[] = [];
  const pl = plan(p, { containers: [], networks: ['demo_default'] });
  await inDependencyOrder(planWalkGraph(pl), (id) => void ops.push(id), { concurrency: 4 });
  assert.deepEqual(ops, ['create:demo-db-1', 'start:demo-db-1', 'create:demo-web-1', 'start:demo-web-1']);
});

test('walkPlan hands each operation to the visit; a failed create skips what needed it', async () => {
  const p = project({ db: {}, web: { depends_on: ['db'] }, cache: {} });
  const seen: string[] = [];
  const res = await walkPlan(plan(p, { containers: [], networks: ['demo_default'] }), (op) => {
    seen.push(`${op.type} ${op.resource}`);
    if (op.id === 'create:demo-db-1') throw new TscError('X', 'no space left');
  }, { concurrency: 1 });
  assert.deepEqual(seen, ['create demo-cache-1', 'create demo-db-1', 'start demo-cache-1']);
  assert.deepEqual(res.skipped.map((s) => s.id).sort(), ['create:demo-web-1', 'start:demo-db-1', 'start:demo-web-1']);
  const order: string[] = [];
  const running = (svc: string) => ({ id: svc, name: `demo-${svc}-1`, service: svc, number: 1, configHash: 'v1-x', status: 'running' as const });
  await walkPlan(downPlan(p, { containers: [running('db'), running('web')] }), (op) => void order.push(op.id));
  assert.deepEqual(order, ['remove:demo-web-1', 'remove:demo-db-1', 'removeNetwork:demo_default']);
});
