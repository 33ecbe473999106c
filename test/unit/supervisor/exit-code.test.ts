import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortOn, exitCodeOf, upExitCode, type ContainerExit } from '../../../executor/supervisor/exit-code.ts';

const ex = (service: string, code: number, p: Partial<ContainerExit> = {}): ContainerExit => ({ service, name: `p-${service}-1`, code, signal: null, stoppedByUs: false, ...p });

test('a container that exits by itself gives its own code', () => {
  assert.equal(exitCodeOf(ex('t', 42)), 42);
});

test('a container ended by a signal gives 128 + the signal number', () => {
  assert.equal(exitCodeOf(ex('t', 0, { signal: 'SIGKILL' })), 137);
  assert.equal(exitCodeOf(ex('t', 0, { signal: 9 })), 137);
});

test('a container we stopped is never reported as 0, even if it returned 0 on SIGTERM', () => {
  assert.equal(exitCodeOf(ex('db', 0, { stoppedByUs: true, stopSignal: 'SIGTERM' })), 143);
  assert.equal(exitCodeOf(ex('db', 0, { stoppedByUs: true, stopSignal: 'SIGINT' })), 130);
});

test('--exit-code-from takes that service\'s code even when another container triggered the abort', () => {
  const exits = [ex('test', 42), ex('db', 0, { stoppedByUs: true })];
  assert.equal(upExitCode({ exitCodeFrom: 'db' }, exits, exits[0]), 143);
  assert.equal(upExitCode({ exitCodeFrom: 'test' }, exits, exits[0]), 42);
});

test('--abort-on-container-exit returns the code of the container that caused the abort and says which', () => {
  const first = ex('migrate', 3);
  const d = abortOn({ abortOnContainerExit: true }, first);
  assert.equal(d.abort, true);
  assert.equal(d.message, 'Aborting because p-migrate-1 exited 3');
  assert.equal(upExitCode({ abortOnContainerExit: true }, [first, ex('web', 0, { stoppedByUs: true })], first), 3);
});

test('without abort flags an exit does not abort, and a stop we caused never triggers one', () => {
  assert.equal(abortOn({}, ex('a', 1)).abort, false);
  assert.equal(abortOn({ abortOnContainerExit: true }, ex('a', 0, { stoppedByUs: true })).abort, false);
  assert.equal(abortOn({ abortOnContainerFailure: true }, ex('a', 0)).abort, false);
  assert.equal(abortOn({ abortOnContainerFailure: true }, ex('a', 2)).abort, true);
});

test('a one-shot dependency that completes (exit 0) does not abort; one that fails does', () => {
  const o = { exitCodeFrom: 'tests', oneShots: ['migrate'] };
  assert.equal(abortOn(o, ex('migrate', 0)).abort, false);
  assert.equal(abortOn(o, ex('migrate', 1)).abort, true);
});
