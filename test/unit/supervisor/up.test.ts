import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { FakeEngine, fakeCtx, project, service } from './fakes.ts';
import { runPlan, DependencyError } from '../../../executor/supervisor/up.ts';
import { Supervisor } from '../../../executor/supervisor/supervisor.ts';
import { downProject } from '../../../executor/supervisor/down.ts';
import type { PlanLike } from '../../../executor/supervisor/plan-types.ts';
import type { Service } from '../../../schema/model.ts';

const env = testEnv('up');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

const createAll = (services: string[]): PlanLike => ({
  operations: services.map((s) => ({ id: `create ${s}`, type: 'create', service: s, number: 1, dependsOn: [] as string[] })),
});

/** A project of `services` on its own fake engine, with a supervisor; `down()` closes the supervisor,
 *  takes the project down and checks that no fake host object is left. */
function stack(suffix: string, services: Record<string, Service>, fakeOpts?: ConstructorParameters<typeof FakeEngine>[0]) {
  const name = `${env.project}${suffix}`;
  const fake = new FakeEngine(fakeOpts);
  const ctx = fakeCtx(name, fake);
  const p = project(name, services);
  const sup = new Supervisor(ctx);
  const down = async () => {
    sup.close();
    await downProject(ctx, { timeoutMs: 0 });
    assert.deepEqual([...fake.live], []);
  };
  return { fake, ctx, p, sup, down };
}

const hc = { test: ['CMD', 'probe'], interval: 1000, timeout: 500, retries: 2 };

test('a service waits for its service_healthy dependency, which the supervisor\'s healthchecks make healthy', async () => {
  const { fake, ctx, p, sup, down } = stack('h', {
    db: service({ healthcheck: { ...hc, retries: 5 } }),
    web: service({ depends_on: { db: { condition: 'service_healthy', required: true } } }),
  }, { probe: (_s, n) => (n >= 3 ? 0 : 1) });
  const plan = createAll(['db', 'web']);
  plan.operations[1]!.dependsOn = ['create db'];
  await runPlan(ctx, p, plan, sup, { hashOf: () => 'h' });
  const starts = ctx.bus.history.filter((e) => e.action === 'started' || e.action === 'health_status').map((e) => `${e.service}:${e.action}${e.detail ? ':' + e.detail : ''}`);
  assert.deepEqual(starts, ['db:started', 'db:health_status:healthy', 'web:started']);
  assert.ok(ctx.bus.history.some((e) => e.action === 'waiting' && /waiting db healthy 0\/1/.test(e.detail ?? '')));
  // Compose's lines name the dependency's containers: "Container <project>-db-1  Waiting/Healthy".
  const dbName = ctx.bus.history.find((e) => e.action === 'started' && e.service === 'db')!.name;
  assert.deepEqual([...new Set(ctx.bus.history.filter((e) => e.action === 'waiting' || e.action === 'healthy').map((e) => e.name))], [dbName]);
  assert.match(dbName, /-db-1$/);
  await down();
});

test('an unhealthy required dependency fails up fast with the reason', async () => {
  const { fake, ctx, p, sup, down } = stack('u', {
    db: service({ healthcheck: hc }),
    web: service({ depends_on: { db: { condition: 'service_healthy', required: true } } }),
  }, { probe: () => 1 });
  const plan = createAll(['db', 'web']);
  plan.operations[1]!.dependsOn = ['create db'];
  await assert.rejects(runPlan(ctx, p, plan, sup, { hashOf: () => 'h' }),
    (e: unknown) => e instanceof DependencyError && /Service "web" cannot start: dependency "db" \(.*-db-1\) is unhealthy: last probe exit 1: probe failed 2/.test(e.message));
  assert.equal(ctx.bus.history.some((e) => e.service === 'web' && e.action === 'started'), false);
  await down();
});

test('an optional dependency that fails only warns', async () => {
  const { fake, ctx, p, sup, down } = stack('o', {
    m: service({}),
    web: service({ depends_on: { m: { condition: 'service_completed_successfully', required: false } } }),
  });
  const plan = createAll(['m', 'web']);
  plan.operations[1]!.dependsOn = ['create m'];
  const warnings: string[] = [];
  const run = runPlan(ctx, p, plan, sup, { hashOf: () => 'h', onWarning: (w) => warnings.push(w) });
  setTimeout(() => fake.exitContainer(Object.keys(ctx.journal.state.containers)[0]!, 7), 5);
  await run;
  assert.match(warnings.join('\n'), /Optional dependency "m" of "web" failed: .*exited with code 7/);
  await down();
});

test('the supervisor restarts an on-failure container after its backoff, and not one the user stopped', async () => {
  const { fake, ctx, p, sup, down } = stack('r', { w: service({ restart: 'on-failure' }) });
  await runPlan(ctx, p, createAll(['w']), sup, { hashOf: () => 'h' });
  const id = Object.keys(ctx.journal.state.containers)[0]!;
  fake.exitContainer(id, 1);
  await waitFor(() => ctx.bus.history.some((e) => e.action === 'started' && ctx.bus.history.some((r) => r.action === 'restart')));
  assert.equal(ctx.journal.container(id)?.restartCount, 1);
  const launches = fake.calls.filter((c) => c.startsWith('runtime.launch')).length;
  assert.equal(launches, 2);
  // The user stops it: the exit that follows is final.
  const { stopContainer } = await import('../../../executor/supervisor/containers.ts');
  await stopContainer(ctx, ctx.journal.container(id)!, {});
  await waitFor(() => ctx.bus.history.some((e) => e.action === 'exited'));
  assert.equal(fake.calls.filter((c) => c.startsWith('runtime.launch')).length, 2);
  await down();
});

test('a run started by another command (start) is watched again after the supervisor re-reads the journal', async () => {
  const { fake, ctx, p, sup, down } = stack('s', { w: service({ restart: 'on-failure' }) });
  await runPlan(ctx, p, createAll(['w']), sup, { hashOf: () => 'h' });
  const id = Object.keys(ctx.journal.state.containers)[0]!;
  const { stopContainer, startContainer } = await import('../../../executor/supervisor/containers.ts');
  await stopContainer(ctx, ctx.journal.container(id)!, {});
  await waitFor(() => ctx.bus.history.some((e) => e.action === 'exited'));
  // `tscompose start` in another process: new PID in the journal, then `reload` → adopt().
  await startContainer(ctx, ctx.journal.container(id)!);
  sup.adopt();
  fake.exitContainer(id, 1);
  await waitFor(() => ctx.bus.history.some((e) => e.action === 'restart'));
  assert.equal(fake.calls.filter((c) => c.startsWith('runtime.launch')).length, 3);
  await down();
});

test('down stops dependents before their dependencies', async () => {
  const { fake, ctx, p, sup } = stack('d', {
    db: service({}),
    api: service({ depends_on: { db: { condition: 'service_started', required: true } } }),
    web: service({ depends_on: { api: { condition: 'service_started', required: true } } }),
  });
  await runPlan(ctx, p, createAll(['db', 'api', 'web']), sup, { hashOf: () => 'h' });
  sup.close();
  const pidSvc = new Map(Object.values(ctx.journal.state.containers).map((c) => [String(c.pid), c.service]));
  fake.calls.length = 0;
  await downProject(ctx, {});
  const order = fake.calls.filter((c) => c.startsWith('runtime.kill') && c.endsWith('SIGTERM')).map((c) => pidSvc.get(c.split(' ')[1]!));
  assert.deepEqual(order, ['web', 'api', 'db']);
  assert.deepEqual([...fake.live], []);
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('up -t sets the grace period of the containers a plan stops: a recreate with 0 kills at once', async () => {
  const name = `${env.project}t`;
  for (const [stopTimeoutMs, expected] of [[undefined, 'SIGTERM'], [0, 'SIGKILL']] as const) {
    const fake = new FakeEngine();
    const ctx = fakeCtx(`${name}${expected.toLowerCase()}`, fake);
    const p = project(`${name}${expected.toLowerCase()}`, { web: service({ stop_grace_period: 50 }) });
    const sup = new Supervisor(ctx);
    await runPlan(ctx, p, createAll(['web']), sup, { hashOf: () => 'h1' });
    fake.calls.length = 0;
    const recreate: PlanLike = { operations: [{ id: 'recreate web', type: 'recreate', service: 'web', number: 1, dependsOn: [] }] };
    await runPlan(ctx, p, recreate, sup, { hashOf: () => 'h2', ...(stopTimeoutMs !== undefined ? { stopTimeoutMs } : {}) });
    const firstKill = fake.calls.find((c) => c.startsWith('runtime.kill'));
    assert.ok(firstKill?.endsWith(expected), `first signal of the recreate: ${firstKill}`);
    sup.close();
    await downProject(ctx, { timeoutMs: 0 });
    assert.deepEqual([...fake.live], []);
  }
});
