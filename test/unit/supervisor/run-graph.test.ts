import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { walkGraph } from '../../../executor/supervisor/run-graph.ts';

test('each node starts as soon as its own dependencies are done: a slow branch does not hold back another', async () => {
  const log: string[] = [];
  const nodes = [
    { id: 'slowdb', dependsOn: [] }, { id: 'app', dependsOn: ['slowdb'] },
    { id: 'cache', dependsOn: [] }, { id: 'worker', dependsOn: ['cache'] },
  ];
  await walkGraph(nodes, async (n) => {
    log.push(`start ${n.id}`);
    await sleep(n.id === 'slowdb' ? 40 : 1);
    log.push(`end ${n.id}`);
  });
  assert.ok(log.indexOf('end worker') < log.indexOf('end slowdb'), log.join(', '));
  assert.ok(log.indexOf('start app') > log.indexOf('end slowdb'));
});

test('reverse order visits dependents before their dependencies', async () => {
  const order: string[] = [];
  await walkGraph([{ id: 'db', dependsOn: [] }, { id: 'web', dependsOn: ['db'] }, { id: 'proxy', dependsOn: ['web'] }],
    async (n) => { order.push(n.id); }, { reverse: true });
  assert.deepEqual(order, ['proxy', 'web', 'db']);
});

test('concurrency is bounded', async () => {
  let running = 0;
  let peak = 0;
  await walkGraph(Array.from({ length: 10 }, (_, i) => ({ id: String(i), dependsOn: [] })), async () => {
    peak = Math.max(peak, ++running);
    await sleep(2);
    running--;
  }, { concurrency: 3 });
  assert.equal(peak, 3);
});

test('after a failure nothing new starts and the first error is thrown', async () => {
  const seen: string[] = [];
  await assert.rejects(walkGraph([{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'] }], async (n) => {
    seen.push(n.id);
    throw new Error(`boom ${n.id}`);
  }), /boom a/);
  assert.deepEqual(seen, ['a']);
});

test('keepGoing visits everything and still reports the failure', async () => {
  const seen: string[] = [];
  await assert.rejects(walkGraph([{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'] }], async (n) => {
    seen.push(n.id);
    if (n.id === 'a') throw new Error('boom');
  }, { keepGoing: true }), /boom/);
  assert.deepEqual(seen, ['a', 'b']);
});

test('a dependency cycle is an error, not a hang', async () => {
  await assert.rejects(walkGraph([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }], async () => {}), /cycle/);
});
