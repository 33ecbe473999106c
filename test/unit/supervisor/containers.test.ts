import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { FakeEngine, fakeCtx, project, service, Crash } from './fakes.ts';
import { createContainer, startContainer, stopContainer, removeContainer, stopLimits } from '../../../executor/supervisor/containers.ts';
import { ContainerError, TscError } from '../../../schema/errors.ts';
import { downProject } from '../../../executor/supervisor/down.ts';
import { Journal } from '../../../executor/state/journal.ts';
import { existsSync } from 'node:fs';
import { paths } from '../../../executor/state/paths.ts';

const env = testEnv('containers');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

let n = 0;
const stack = (name: string) => project(name, {
  web: service({ ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }], volumes: [{ type: 'volume', source: 'data', target: '/data' }, { type: 'volume', target: '/anon' }] }),
}, { volumes: { data: { name: `${name}_data` } } });

const STEPS_IN_ORDER = ['images.ensure', 'rootfs.mount', 'volumes.ensure', 'cgroups.create', 'net.createNetns', 'net.ensureNetwork', 'net.attach', 'net.publish', 'runtime.buildSpec', 'runtime.launch'];

for (const op of STEPS_IN_ORDER) {
  for (const after of [false, true]) {
    test(`a failure ${after ? 'right after' : 'at'} ${op} leaves only journaled objects, and down from a fresh process removes all of them`, async () => {
      const name = `${env.project}c${n++}`;
      const fake = new FakeEngine();
      const ctx = fakeCtx(name, fake);
      const p = stack(name);
      fake.failAt(op, after);
      await assert.rejects(async () => {
        const c = await createContainer(ctx, p, 'web', 1, { configHash: 'h' });
        await startContainer(ctx, c);
      }, (e: unknown) => e instanceof Error && (e.cause instanceof Crash || e instanceof Crash || String(e.message).includes('injected')));
      // A new process: only what is on disk.
      const ctx2 = { ...fakeCtx(name, fake), journal: new Journal(name) };
      await downProject(ctx2, { volumes: true, timeoutMs: 0 });
      assert.deepEqual([...fake.live], [], `left behind: ${[...fake.live].join(', ')}`);
      assert.equal(existsSync(paths.state(name)), false);
    });
  }
}

test('create journals every step before the object, and remove undoes them newest first', async () => {
  const name = `${env.project}order`;
  const fake = new FakeEngine();
  const ctx = fakeCtx(name, fake);
  const c = await startContainer(ctx, await createContainer(ctx, stack(name), 'web', 1, { configHash: 'h' }));
  assert.deepEqual(ctx.journal.container(c.id)?.steps, ['dir', 'rootfs', 'volumes', 'cgroup', 'netns', 'attach', 'publish', 'launch']);
  assert.deepEqual(ctx.journal.container(c.id)?.published, ['0.0.0.0:8080->80/tcp']);
  fake.calls.length = 0;
  await removeContainer(ctx, ctx.journal.container(c.id)!);
  const undo = fake.calls.filter((x) => /remove|unmount|detach|unpublish|kill/.test(x)).map((x) => x.split(' ')[0]);
  assert.deepEqual(undo, ['runtime.kill', 'cgroups.killAll', 'net.unpublish', 'net.detach', 'net.removeNetns', 'cgroups.remove', 'volumes.remove', 'rootfs.unmount']);
  assert.deepEqual([...fake.live].filter((x) => x.startsWith('volume')), [`volume ${name}_data`], 'the named volume stays, the anonymous one went');
  assert.equal(ctx.journal.container(c.id), undefined);
});

test('stop sends stop_signal, waits the grace period, then SIGKILLs a container that ignores it', async () => {
  const name = `${env.project}stop`;
  const fake = new FakeEngine({ ignoreTerm: ['web'] });
  const ctx = fakeCtx(name, fake);
  const p = project(name, { web: service({ stop_grace_period: 3000 }) });
  const c = await startContainer(ctx, await createContainer(ctx, p, 'web', 1, { configHash: 'h' }));
  const t0 = fake.clock.now();
  const exit = await stopContainer(ctx, c);
  assert.equal(fake.clock.now() - t0, 3000);
  assert.deepEqual(fake.calls.filter((x) => x.startsWith('runtime.kill')).map((x) => x.split(' ')[2]), ['SIGTERM', 'SIGKILL']);
  assert.equal(exit?.signal, 'SIGKILL');
  assert.equal(ctx.journal.container(c.id)?.desired, 'stopped');
});

test('stop of a container that obeys SIGTERM does not wait for the grace period', async () => {
  const name = `${env.project}stop2`;
  const fake = new FakeEngine();
  const ctx = fakeCtx(name, fake);
  const p = project(name, { web: service({ stop_signal: 'SIGQUIT' }) });
  const c = await startContainer(ctx, await createContainer(ctx, p, 'web', 1, { configHash: 'h' }));
  const t0 = fake.clock.now();
  await stopContainer(ctx, c);
  assert.equal(fake.clock.now(), t0);
  assert.deepEqual(fake.calls.filter((x) => x.startsWith('runtime.kill')).map((x) => x.split(' ')[2]), ['SIGQUIT']);
});

/**
 * A started `web` whose PID 1 is stuck in the kernel: signals queue, nothing exits, the waiter
 * reports nothing; the wait after SIGKILL is cut to 50 ms. `restore()` puts the engine back.
 */
async function hungContainer(label: string) {
  const name = `${env.project}${label}`;
  const fake = new FakeEngine({ ignoreTerm: ['web'] });
  const ctx = fakeCtx(name, fake);
  const p = project(name, { web: service({ stop_grace_period: 0 }) });
  const c = await startContainer(ctx, await createContainer(ctx, p, 'web', 1, { configHash: 'h' }));
  const realKill = ctx.engine.runtime.kill;
  const realKillAll = ctx.engine.cgroups.killAll;
  const before = stopLimits.killWaitMs;
  ctx.engine.runtime.kill = () => true;
  ctx.engine.cgroups.killAll = async () => undefined;
  stopLimits.killWaitMs = 50;
  const restore = () => {
    stopLimits.killWaitMs = before;
    ctx.engine.runtime.kill = realKill;
    ctx.engine.cgroups.killAll = realKillAll;
  };
  return { fake, ctx, c, restore };
}

test('a SIGKILLed PID 1 whose exit is never reported fails stop and remove with KILL_TIMEOUT instead of hanging', async () => {
  const { fake, ctx, c, restore } = await hungContainer('hung');
  try {
    const isTimeout = (e: unknown) => e instanceof ContainerError && e.cause instanceof TscError && e.cause.code === 'KILL_TIMEOUT'
      && e.message.includes(c.name) && /SIGKILL/.test(e.cause.message);
    await assert.rejects(stopContainer(ctx, c), (e) => isTimeout(e) && (e as ContainerError).step === 'stop');
    await assert.rejects(removeContainer(ctx, ctx.journal.container(c.id)!), (e) => isTimeout((e as ContainerError).cause) || isTimeout(e));
    assert.ok(ctx.journal.container(c.id)?.steps.includes('launch'), 'the container stays journaled for a later down');
  } finally {
    restore();
  }
  await removeContainer(ctx, ctx.journal.container(c.id)!);
  assert.deepEqual([...fake.live].filter((x) => x.startsWith('proc')), []);
});

test('shutdown ends the supervisor host even when a stop fails (no foreground up waits for ever)', async () => {
  const { SupervisorHost } = await import('../../../executor/supervisor/host.ts');
  const { Supervisor } = await import('../../../executor/supervisor/supervisor.ts');
  const { fake, ctx, c, restore } = await hungContainer('shut');
  const sup = new Supervisor(ctx);
  const host = new SupervisorHost(ctx, sup);
  const errors: unknown[] = [];
  try {
    await host.shutdown(0, (e) => errors.push(e));
    assert.deepEqual(await host.ended, { how: 'shutdown' });
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as Error).message), /KILL_TIMEOUT|SIGKILL/);
  } finally {
    restore();
  }
  await removeContainer(ctx, ctx.journal.container(c.id)!);
  assert.deepEqual([...fake.live].filter((x) => x.startsWith('proc')), []);
});
