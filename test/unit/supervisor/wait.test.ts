import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitVerdict } from '../../../executor/supervisor/wait.ts';

test('a one-shot service that exited 0 counts as done for --wait', () => {
  const v = waitVerdict([
    { name: 'p-migrate-1', status: 'exited', exitCode: 0, oneShot: true },
    { name: 'p-web-1', status: 'running', oneShot: false },
  ]);
  assert.deepEqual(v, { state: 'ready', lines: ['p-migrate-1 exited 0 (completed)', 'p-web-1 running'] });
});

test('--wait waits for healthchecks and fails on unhealthy or a non-zero exit', () => {
  assert.equal(waitVerdict([{ name: 'db', status: 'running', health: 'starting', oneShot: false }]).state, 'pending');
  assert.deepEqual(waitVerdict([{ name: 'db', status: 'running', health: 'unhealthy', oneShot: false }]), { state: 'failed', reason: 'db is unhealthy' });
  assert.deepEqual(waitVerdict([{ name: 'm', status: 'exited', exitCode: 3, oneShot: true }]), { state: 'failed', reason: 'm exited with code 3' });
});

test('a long-running service that exited 0 is a failure unless it restarts', () => {
  assert.equal(waitVerdict([{ name: 'web', status: 'exited', exitCode: 0, oneShot: false }]).state, 'failed');
  assert.equal(waitVerdict([{ name: 'web', status: 'exited', exitCode: 1, oneShot: false, restarting: true }]).state, 'pending');
});
