// Intent: a container can be launched again into the same cgroup after that cgroup got a
// cgroup-wide kill (CgroupDriver.killAll → cgroup.kill on the unified leaf). On Linux 6.x a child
// born straight into a cgroup that was ever cgroup.kill'ed (clone3 CLONE_INTO_CGROUP from a
// parent in another cgroup) gets SIGKILL at fork: the kernel compares the target's kill
// sequence with the parent's cgroup's. The helper must notice and place the child by writing
// its PID instead, else the relaunch dies at the `sync` step with EPIPE.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { makeContainer } from './fixture.ts';
import { buildSpec, launch, waitExit, kill, waiterGone } from '../../../executor/runtime/runtime.ts';
import { readContainerEtc } from '../../../executor/runtime/etc-files.ts';
import { detectCgroupDriver } from '../../../executor/cgroup/driver.ts';
import type { Service } from '../../../schema/model.ts';

const env = testEnv('relaunch');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
const driver = detectCgroupDriver();
const c = makeContainer(env, { cgroups: false });
const h = driver.create(env.project, c.id, {});

after(async () => {
  await waiterGone(c.dir);
  await driver.killAll(h).catch(() => undefined);
  await driver.removeProject(env.project);
  c.dispose();
  const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, [], 'no mount, cgroup or process of ours is left');
});

test('a container launched again into its cgroup after killAll runs (no EPIPE at sync)', async (t) => {
  if (!driver.procsFiles(h).some((f) => f.includes('/unified/') || driver.mode === 'v2')) t.diagnostic('no cgroup v2 leaf: cgroup.kill is not used here');
  const service: Service = { environment: {}, labels: {}, depends_on: {}, image: 'busybox', command: ['sh', '-c', 'echo up; exec sleep 60'] };
  const spec = buildSpec({
    id: c.id, name: 'relaunch-1', service, image: {}, rootfs: c.rootfs,
    etc: { passwd: readContainerEtc(c.rootfs, 'passwd'), group: readContainerEtc(c.rootfs, 'group') },
  });
  const o = { id: c.id, name: 'relaunch-1', spec, containerDir: c.dir, cgroupProcs: driver.procsFiles(h) };
  const first = await launch(o);
  await driver.killAll(h);
  assert.equal((await waitExit(c.dir)).signal, 9);
  await waiterGone(c.dir);

  for (let i = 0; i < 2; i++) {
    const again = await launch(o);
    assert.notEqual(again.pid, first.pid);
    // it really runs, inside the cgroup (every hierarchy)
    for (const f of driver.procsFiles(h)) assert.ok(readFileSync(f, 'utf8').split('\n').includes(String(again.pid)), `${f} lists the new PID 1`);
    kill(again.pid, 'SIGKILL');
    const exit = await waitExit(c.dir);
    assert.equal(exit.signal, 9);
    await waiterGone(c.dir);
    assert.match(readFileSync(join(c.dir, 'log'), 'utf8'), /stdout F up/);
    await driver.killAll(h);
  }
});
