import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionState } from '../../../executor/supervisor/depends.ts';

const healthy = { status: 'healthy' as const, failingStreak: 0, log: [{ start: '', end: '', exitCode: 0, output: 'ok' }] };
const starting = { status: 'starting' as const, failingStreak: 0, log: [] };
const unhealthy = { status: 'unhealthy' as const, failingStreak: 3, log: [{ start: '', end: '', exitCode: 1, output: 'connection refused' }] };

test('service_started is met once every container has started, even if it exited since', () => {
  assert.equal(conditionState('db', 'service_started', [{ name: 'db-1', status: 'created' }]).state, 'waiting');
  assert.equal(conditionState('db', 'service_started', [{ name: 'db-1', status: 'exited' }]).state, 'met');
});

test('service_healthy waits while starting and is met when all replicas are healthy', () => {
  const w = conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'running', health: healthy }, { name: 'db-2', status: 'running', health: starting }]);
  assert.equal(w.state, 'waiting');
  assert.match((w as { detail: string }).detail, /healthy 1\/2/);
  assert.equal(conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'running', health: healthy }]).state, 'met');
});

test('service_healthy fails fast on unhealthy with the last probe output, and on exit with the code', () => {
  const u = conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'running', health: unhealthy }]);
  assert.deepEqual(u, { state: 'failed', reason: 'dependency "db" (db-1) is unhealthy: last probe exit 1: connection refused' });
  const x = conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'exited', health: starting, exit: { code: 2, signal: null } }]);
  assert.equal(x.state, 'failed');
  assert.match((x as { reason: string }).reason, /exited with code 2/);
});

test('service_healthy on a service without a healthcheck is an error, not an endless wait', () => {
  assert.equal(conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'running' }]).state, 'failed');
});

test('an exit the restart policy will undo is not final', () => {
  assert.equal(conditionState('db', 'service_healthy', [{ name: 'db-1', status: 'exited', health: starting, willRestart: true }]).state, 'waiting');
});

test('service_completed_successfully: exit 0 is success, anything else fails with the code', () => {
  assert.equal(conditionState('m', 'service_completed_successfully', [{ name: 'm-1', status: 'running' }]).state, 'waiting');
  assert.equal(conditionState('m', 'service_completed_successfully', [{ name: 'm-1', status: 'exited', exit: { code: 0, signal: null } }]).state, 'met');
  const f = conditionState('m', 'service_completed_successfully', [{ name: 'm-1', status: 'exited', exit: { code: 5, signal: null } }]);
  assert.deepEqual(f, { state: 'failed', reason: 'dependency "m" (m-1) exited with code 5' });
});
