// Intent: watch's `rebuild` action goes to the rebuild the caller wired (`up -d --build --no-deps
// SERVICE`) and logs it; without one it is refused with WATCH_REBUILD naming the service.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { TscError } from '../../../schema/errors.ts';
import type { Project } from '../../../schema/model.ts';

const t = testEnv('bwatch');
process.env.TSCOMPOSE_ROOT = t.root;
process.env.TSCOMPOSE_RUN = t.run;
after(() => t.cleanup());
const { watchActions } = await import('../../../executor/supervisor/watch-actions.ts');

const base = (calls: string[]) => ({
  project: t.project,
  restart: async () => {},
  load: async () => ({}) as Project,
  apply: async () => {},
  session: () => undefined,
  log: (l: string) => { calls.push(`log ${l.replace(/\(\d+ ms\)/, '(N ms)')}`); },
});

test('rebuild runs the wired rebuild, then logs it', async () => {
  const calls: string[] = [];
  const a = watchActions({ ...base(calls), rebuild: async (s) => { calls.push(`rebuild ${s}`); } });
  await a.rebuild('web');
  assert.deepEqual(calls, ['rebuild web', 'log web: rebuilt and recreated (N ms)']);
});

test('a failed rebuild rejects with its error and logs no success', async () => {
  const calls: string[] = [];
  const err = new TscError('WATCH_CHILD', 'up --build web failed (exit 1)');
  const a = watchActions({ ...base(calls), rebuild: async () => { throw err; } });
  await assert.rejects(a.rebuild('web'), (e) => e === err);
  assert.deepEqual(calls, []);
});

test('without a wired rebuild: WATCH_REBUILD naming the service', async () => {
  const a = watchActions(base([]));
  await assert.rejects(a.rebuild('api'), (e) => e instanceof TscError && e.code === 'WATCH_REBUILD' && e.message.startsWith('api:'));
});
