import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { testEnv } from '../../helpers/env.ts';
import { paths } from '../../../executor/state/paths.ts';
import { Journal, readState, writeState, emptyState, StateFileError, type ContainerRecord } from '../../../executor/state/journal.ts';

const env = testEnv('journal');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

function rec(id: string): ContainerRecord {
  return { id, name: `p-web-1`, service: 'web', number: 1, configHash: 'h', image: 'busybox', createdAt: 'now',
    steps: [], networks: [], desired: 'running', restartCount: 0 };
}

test('a project without state.json reads as an empty state', () => {
  const s = readState('nothing-here');
  assert.deepEqual(s, emptyState('nothing-here'));
});

test('each journal step is on disk before the caller goes on to create the object', () => {
  const j = new Journal(env.project);
  j.addContainer(rec('a'.repeat(64)));
  j.begin('a'.repeat(64), 'dir');
  j.begin('a'.repeat(64), 'rootfs');
  // A fresh reader (another process after a crash) sees both steps.
  assert.deepEqual(readState(env.project).containers['a'.repeat(64)]?.steps, ['dir', 'rootfs']);
  j.end('a'.repeat(64), 'rootfs');
  assert.deepEqual(readState(env.project).containers['a'.repeat(64)]?.steps, ['dir']);
});

test('writes leave no temp files behind and replace the file whole', () => {
  const s = emptyState(env.project + 'x');
  for (let i = 0; i < 20; i++) {
    s.containers[String(i)] = rec(String(i));
    writeState(s);
  }
  const dir = dirname(paths.state(s.project));
  assert.deepEqual(readdirSync(dir), ['state.json']);
  assert.equal(Object.keys(JSON.parse(readFileSync(paths.state(s.project), 'utf8')).containers).length, 20);
});

test('a corrupt state file is a typed error naming the file', () => {
  const p = env.project + 'bad';
  mkdirSync(dirname(paths.state(p)), { recursive: true });
  writeFileSync(paths.state(p), '{"version":1,');
  assert.throws(() => readState(p), (e: unknown) => e instanceof StateFileError && e.message.includes(paths.state(p)));
});
