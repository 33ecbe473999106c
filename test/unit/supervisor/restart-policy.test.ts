import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, policyOf, MAX_DELAY_MS } from '../../../executor/supervisor/restart-policy.ts';
import { service } from './fakes.ts';

test('restart: values map to policies, on-failure:N keeps its limit', () => {
  assert.equal(policyOf(service()).kind, 'no');
  assert.deepEqual(policyOf(service({ restart: 'on-failure:3' })), { kind: 'on-failure', baseDelayMs: 100, maxRestarts: 3 });
  assert.equal(policyOf(service({ restart: 'unless-stopped' })).kind, 'unless-stopped');
});

test('deploy.restart_policy wins over restart: and maps condition, delay, max_attempts and window', () => {
  const p = policyOf(service({ restart: 'always', deploy: { restart_policy: { condition: 'on-failure', delay: 2000, max_attempts: 2, window: 5000 } } }));
  assert.deepEqual(p, { kind: 'on-failure', baseDelayMs: 2000, maxRestarts: 2, windowMs: 5000 });
  assert.equal(policyOf(service({ deploy: { restart_policy: { condition: 'none' } } })).kind, 'no');
  assert.equal(policyOf(service({ deploy: { restart_policy: { condition: 'any' } } })).kind, 'always');
});

test('on-failure restarts a failed container but not one that exited 0', () => {
  const p = policyOf(service({ restart: 'on-failure' }));
  assert.equal(decideRestart(p, 1, { restartCount: 0, ranMs: 5 }, false).restart, true);
  assert.equal(decideRestart(p, 0, { restartCount: 0, ranMs: 5 }, false).restart, false);
});

test('a container the user stopped is never restarted, whatever the policy', () => {
  for (const r of ['always', 'unless-stopped', 'on-failure']) {
    assert.equal(decideRestart(policyOf(service({ restart: r })), 137, { restartCount: 0, ranMs: 1 }, true).restart, false);
  }
});

test('the delay doubles per consecutive restart up to one minute, and resets after a 10 s run', () => {
  const p = policyOf(service({ restart: 'always' }));
  const delays = [0, 1, 2, 3].map((n) => decideRestart(p, 1, { restartCount: n, ranMs: 10 }, false).delayMs);
  assert.deepEqual(delays, [100, 200, 400, 800]);
  assert.equal(decideRestart(p, 1, { restartCount: 20, ranMs: 10 }, false).delayMs, MAX_DELAY_MS);
  const reset = decideRestart(p, 1, { restartCount: 20, ranMs: 10_000 }, false);
  assert.deepEqual([reset.delayMs, reset.nextCount], [100, 1]);
});

test('on-failure:N gives up after N restarts in a row', () => {
  const p = policyOf(service({ restart: 'on-failure:2' }));
  assert.equal(decideRestart(p, 1, { restartCount: 1, ranMs: 1 }, false).restart, true);
  const d = decideRestart(p, 1, { restartCount: 2, ranMs: 1 }, false);
  assert.equal(d.restart, false);
  assert.match(d.reason, /gave up after 2/);
});
