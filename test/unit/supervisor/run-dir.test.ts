// Intent: once a project is down, its run dir goes entirely; a supervisor.log with something in
// it (the supervisor's own errors) is kept under $TSCOMPOSE_ROOT/logs, an empty one is not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { testEnv } from '../../helpers/env.ts';
import { removeRunDir, keptSupervisorLog } from '../../../executor/supervisor/down.ts';
import { acquireLock } from '../../../executor/state/lock.ts';
import { paths } from '../../../executor/state/paths.ts';

const env = testEnv('run-dir');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

test('the run dir is removed with its lock; a non-empty supervisor.log moves to the logs dir', async () => {
  const p = env.project;
  const lock = await acquireLock(p, { command: 'down' });
  writeFileSync(`${paths.project(p)}/supervisor.log`, 'supervisor: something failed\n');
  mkdirSync(`${paths.project(p)}/leftover-dir`);
  await removeRunDir(p);
  lock.release();
  assert.equal(existsSync(paths.project(p)), false);
  assert.equal(readFileSync(keptSupervisorLog(p), 'utf8'), 'supervisor: something failed\n');
});

test('an empty supervisor.log is dropped; a run dir that has a state.json again is kept', async () => {
  const p = `${env.project}e`;
  const lock = await acquireLock(p, { command: 'down' });
  writeFileSync(`${paths.project(p)}/supervisor.log`, '');
  await removeRunDir(p);
  assert.equal(existsSync(paths.project(p)), false);
  assert.equal(existsSync(keptSupervisorLog(p)), false);
  lock.release();
  const again = await acquireLock(p, { command: 'up' });
  writeFileSync(paths.state(p), '{}');
  await removeRunDir(p);
  again.release();
  assert.equal(existsSync(paths.state(p)), true);
});
