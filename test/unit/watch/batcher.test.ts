import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from '../../../executor/watch/batcher.ts';
import { FakeClock, settle } from './fake-clock.ts';

type E = { n: number };
const sum = (a: E | undefined, b: E): E => ({ n: (a?.n ?? 0) + b.n });

function setup(opts = { quietMs: 20, maxWaitMs: 1000 }) {
  const clock = new FakeClock();
  const batches: { key: string; paths: string[]; entries: Map<string, E> }[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const b = new Batcher<E>({ ...opts, clock }, async (key, batch) => {
    batches.push({ key, paths: [...batch.keys()].sort(), entries: batch });
    if (hold) await new Promise<void>((r) => { release = r; });
  }, sum);
  return { clock, batches, b, holdNext: () => { hold = true; }, release: () => { hold = false; release?.(); } };
}

test('a burst of events closes into one batch only after the quiet time', async () => {
  const { clock, batches, b } = setup();
  b.add('web', '/a', { n: 1 });
  await clock.advance(10);
  b.add('web', '/b', { n: 1 });
  await clock.advance(19);
  assert.equal(batches.length, 0, 'still within 20 ms of the last event');
  await clock.advance(1);
  assert.deepEqual(batches.map((x) => x.paths), [['/a', '/b']]);
});

test('a 2,000-file burst becomes exactly one batch', async () => {
  const { clock, batches, b } = setup();
  for (let i = 0; i < 2000; i++) {
    b.add('web', `/src/f${i}.js`, { n: 1 });
    if (i % 100 === 0) await clock.advance(1);
  }
  await clock.advance(100);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.paths.length, 2000);
});

test('repeated events for one path (temp file + rename, change, change) coalesce into one entry', async () => {
  const { clock, batches, b } = setup();
  b.add('web', '/src/app.js', { n: 1 });
  b.add('web', '/src/app.js', { n: 1 });
  b.add('web', '/src/app.js', { n: 1 });
  await clock.advance(50);
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0]!.paths, ['/src/app.js']);
  assert.equal(batches[0]!.entries.get('/src/app.js')!.n, 3);
});

test('keys are batched independently', async () => {
  const { clock, batches, b } = setup();
  b.add('web', '/w', { n: 1 });
  await clock.advance(15);
  b.add('api', '/a', { n: 1 });
  await clock.advance(5);
  assert.deepEqual(batches.map((x) => x.key), ['web']);
  await clock.advance(15);
  assert.deepEqual(batches.map((x) => x.key), ['web', 'api']);
});

test('a steady trickle of events is still flushed after maxWait', async () => {
  const { clock, batches, b } = setup({ quietMs: 20, maxWaitMs: 100 });
  for (let t = 0; t < 150; t += 10) {
    b.add('web', `/f${t}`, { n: 1 });
    await clock.advance(10);
  }
  assert.ok(batches.length >= 1, 'flushed before the trickle ended');
  assert.ok(batches[0]!.paths.length <= 11);
});

test('events during a running batch form the next batch: never two batches of one key at once', async () => {
  const { clock, batches, b, holdNext, release } = setup();
  holdNext();
  b.add('web', '/a', { n: 1 });
  await clock.advance(20);
  assert.equal(batches.length, 1);
  b.add('web', '/b', { n: 1 });
  b.add('web', '/c', { n: 1 });
  await clock.advance(100);
  assert.equal(batches.length, 1, 'the first batch is still running');
  assert.equal(b.pendingCount('web'), 2);
  release();
  await settle();
  await clock.advance(20);
  assert.deepEqual(batches.map((x) => x.paths), [['/a'], ['/b', '/c']]);
});

test('a failing batch is reported and the key keeps working', async () => {
  const clock = new FakeClock();
  const errors: string[] = [];
  let calls = 0;
  const b = new Batcher<E>({ quietMs: 5, maxWaitMs: 100, clock }, async () => {
    calls++;
    if (calls === 1) throw new Error('boom');
  }, sum, (key, e) => errors.push(`${key}: ${(e as Error).message}`));
  b.add('web', '/a', { n: 1 });
  await clock.advance(10);
  b.add('web', '/b', { n: 1 });
  await clock.advance(10);
  assert.deepEqual(errors, ['web: boom']);
  assert.equal(calls, 2);
});

test('after close nothing more is delivered', async () => {
  const { clock, batches, b } = setup();
  b.add('web', '/a', { n: 1 });
  b.close();
  b.add('web', '/b', { n: 1 });
  await clock.advance(100);
  assert.equal(batches.length, 0);
  assert.equal(clock.pending, 0);
});

test('once a batch is big, it waits for a longer quiet time, so a slow checkout with gaps stays one batch', async () => {
  const clock = new FakeClock();
  const batches: number[] = [];
  const b = new Batcher<E>({ quietMs: 20, burstQuietMs: 200, burstSize: 16, maxWaitMs: 5000, clock }, async (_k, batch) => { batches.push(batch.size); }, sum);
  for (let i = 0; i < 2000; i++) {
    b.add('web', `/f${i}`, { n: 1 });
    // Every 100 files the writer stalls 80 ms (a slow disk): longer than quietMs, shorter than burstQuietMs.
    if (i % 100 === 99 && i < 1999) await clock.advance(80);
  }
  await clock.advance(199);
  assert.deepEqual(batches, [], 'still inside the burst quiet time');
  await clock.advance(1);
  assert.deepEqual(batches, [2000]);
  // A single save afterwards is back to the short quiet time.
  b.add('web', '/single', { n: 1 });
  await clock.advance(20);
  assert.deepEqual(batches, [2000, 1]);
});

test('an entry asking for a longer quiet time holds the whole batch for it', async () => {
  const { clock, batches, b } = setup({ quietMs: 5, maxWaitMs: 1000 });
  b.add('web', '/synced-only', { n: 1 });
  b.add('web', '/restarts', { n: 1 }, 100);
  await clock.advance(99);
  assert.equal(batches.length, 0);
  await clock.advance(1);
  assert.deepEqual(batches.map((x) => x.paths), [['/restarts', '/synced-only']]);
  b.add('web', '/next', { n: 1 });
  await clock.advance(5);
  assert.equal(batches.length, 2, 'the next batch is back to the default quiet time');
});
