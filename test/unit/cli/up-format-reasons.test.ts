// How `up` tells the user why it recreates or restarts a container: the real planner against what
// a first run recorded, run by the supervisor's runPlan (fake engine), printed by plain progress.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { FakeEngine, fakeCtx, project, service } from '../supervisor/fakes.ts';
import { runPlan } from '../../../executor/supervisor/up.ts';
import { Supervisor } from '../../../executor/supervisor/supervisor.ts';
import { downProject } from '../../../executor/supervisor/down.ts';
import { observe } from '../../../executor/state/observe.ts';
import { plan } from '../../../planner/plan.ts';
import { lineOf } from '../../../cli/progress.ts';
import type { Project } from '../../../schema/model.ts';

const env = testEnv('upreasons');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

test('a recreate and a depends_on restart are printed with the planner\'s cause', async () => {
  const name = `${env.project}r`;
  const fake = new FakeEngine();
  const ctx = fakeCtx(name, fake);
  // The store's digest, as the planner gets it from the same store (pull-images.ts imageDigestsOf).
  const ensure = ctx.engine.images.ensure;
  ctx.engine.images.ensure = async (ref, policy) => ({ ...(await ensure(ref, policy)), digest: 'sha256:a' });
  const sup = new Supervisor(ctx);
  const stack = (v: string): Project => project(name, {
    db: service({ environment: { V: v } }),
    api: service({ depends_on: { db: { condition: 'service_started', required: true, restart: true } } }),
    web: service({ depends_on: { db: { condition: 'service_started', required: true } } }),
  });
  const run = async (p: Project) => {
    const observed = observe(ctx.journal.state, { proc: ctx.proc, readExit: () => undefined });
    const from = ctx.bus.history.length;
    await runPlan(ctx, p, plan(p, observed, { imageDigests: { db: 'sha256:a', api: 'sha256:a', web: 'sha256:a' } }), sup, { hashOf: () => 'unused' });
    return ctx.bus.history.slice(from);
  };
  try {
    await run(stack('1'));
    const events = await run(stack('2'));
    const lines = events.filter((e) => e.action === 'recreate' || e.action === 'restart').map(lineOf);
    assert.deepEqual(lines, [
      ` Container ${name}-db-1  Recreate (config changed: environment)`,
      ` Container ${name}-api-1  Restarting (dependency "db" changed: depends_on.db.restart: true)`,
    ]);
    // The JSON events (--progress json, `events`) carry the cause as the planner wrote it.
    assert.equal(events.find((e) => e.action === 'recreate')?.detail, 'config changed (environment)');
    // web has no restart: true: neither recreated nor restarted.
    assert.equal(events.some((e) => e.name === `${name}-web-1` && /recreate|restart|stop/.test(e.action)), false);
    // A third run with nothing changed says nothing.
    assert.deepEqual((await run(stack('2'))).filter((e) => e.action === 'recreate' || e.action === 'restart'), []);
  } finally {
    sup.close();
    await downProject(ctx, { timeoutMs: 0 });
  }
  assert.deepEqual([...fake.live], []);
});

test('plain progress keeps other details as they are', () => {
  assert.equal(lineOf({ time: 't', type: 'container', action: 'recreate', name: 'p-web-1', detail: 'image changed' }), ' Container p-web-1  Recreate (image changed)');
  assert.equal(lineOf({ time: 't', type: 'container', action: 'recreate', name: 'p-web-1', detail: 'forced (--force-recreate)' }), ' Container p-web-1  Recreate (forced: --force-recreate)');
  assert.equal(lineOf({ time: 't', type: 'container', action: 'restart', name: 'p-web-1', detail: 'restart 2' }), ' Container p-web-1  Restarting (restart 2)');
  assert.equal(lineOf({ time: 't', type: 'container', action: 'error', name: 'p-web-1', detail: 'failed (EPERM)' }), ' Container p-web-1  Error (failed (EPERM))');
});
