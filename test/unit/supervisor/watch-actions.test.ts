// Intent: the project's WatchActions. A reload loads, applies, then updates the session with the
// selected rules, in that order; a broken edit (load throws) applies nothing and reaches the
// session as an error; rebuild says clearly that builds are missing; a project with no running
// container has no views to sync into.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { TscError } from '../../../schema/errors.ts';
import type { Project } from '../../../schema/model.ts';
import type { WatchSession } from '../../../executor/watch/session.ts';

const t = testEnv('wactions');
process.env.TSCOMPOSE_ROOT = t.root;
process.env.TSCOMPOSE_RUN = t.run;
after(() => t.cleanup());
const { watchActions } = await import('../../../executor/supervisor/watch-actions.ts');

const project = (tag: string) => ({ name: t.project, services: {}, tag }) as unknown as Project;

function harness(load: () => Promise<Project>) {
  const calls: string[] = [];
  const session = { update: async (p: Project) => { calls.push(`update ${(p as unknown as { tag: string }).tag}`); } } as unknown as WatchSession;
  const actions = watchActions({
    project: t.project,
    restart: async (s) => { calls.push(`restart ${s}`); },
    load: async () => { calls.push('load'); return load(); },
    apply: async (p) => { calls.push(`apply ${(p as unknown as { tag: string }).tag}`); },
    session: () => session,
    select: (p) => ({ ...p, tag: `${(p as unknown as { tag: string }).tag}+selected` }) as unknown as Project,
    log: (l) => { calls.push(`log ${l}`); },
  });
  return { actions, calls };
}

test('a reload loads, applies the new project, then gives the session the selected rules', async () => {
  const { actions, calls } = harness(async () => project('v2'));
  await actions.reload();
  assert.deepEqual(calls, ['load', 'apply v2', 'update v2+selected']);
});

test('a broken stack-file edit throws from reload and applies nothing', async () => {
  const broken = new TscError('STACK_FILE', 'compose.yaml:41:1: bad indentation');
  const { actions, calls } = harness(async () => { throw broken; });
  await assert.rejects(actions.reload(), (e) => e === broken);
  assert.deepEqual(calls, ['load']);
});

test('restart and log go to the caller; rebuild is refused with WATCH_REBUILD', async () => {
  const { actions, calls } = harness(async () => project('x'));
  await actions.restart('api');
  actions.log('web: synced 1 file (1 ms)');
  assert.deepEqual(calls, ['restart api', 'log web: synced 1 file (1 ms)']);
  await assert.rejects(actions.rebuild('web'), (e) => e instanceof TscError && e.code === 'WATCH_REBUILD' && e.message.includes('web'));
});

test('a project with no running container gives no views', async () => {
  const { actions } = harness(async () => project('x'));
  assert.deepEqual(await actions.containers('web'), []);
});
