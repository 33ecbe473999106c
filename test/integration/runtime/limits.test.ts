// A real image through the whole launch path: image store → overlay rootfs → cgroup driver
// with the service's limits → launch. Limits hold from the app's first instruction, measured
// from the cgroup: cpus, memory (OOM reported), pids (a fork bomb is contained).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { busyboxImage } from '../../helpers/images.ts';
import { openImageStore, type ImageInfo } from '../../../executor/image/store.ts';
import { mountRootfs, removeRootfs } from '../../../executor/rootfs/rootfs.ts';
import { detectCgroupDriver, resourcesOf, type CgroupHandle } from '../../../executor/cgroup/driver.ts';
import { buildSpec, launch, waitExit, kill, execIn, waiterGone } from '../../../executor/runtime/runtime.ts';
import { readContainerEtc } from '../../../executor/runtime/etc-files.ts';
import { securityOf } from '../../../executor/security/security.ts';
import { paths } from '../../../executor/state/paths.ts';
import type { Service } from '../../../schema/model.ts';

const env = testEnv('limits');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
const driver = detectCgroupDriver();
let image: ImageInfo;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  mkdirSync(env.root, { recursive: true });
  image = await busyboxImage(openImageStore());
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await driver.removeProject(env.project);
  const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, []);
});

async function start(s: Partial<Service>) {
  const service: Service = { environment: {}, labels: {}, depends_on: {}, image: image.ref, ...s };
  const id = randomBytes(32).toString('hex');
  const dir = paths.container(id);
  const { merged } = await mountRootfs({ containerDir: dir, layerDirs: image.layerDirs, initFiles: { '/etc/hostname': 'lim\n' } });
  const h: CgroupHandle = driver.create(env.project, id, resourcesOf(service, 'lim'));
  cleanups.push(async () => { await driver.killAll(h); await waiterGone(dir); await driver.remove(h); await removeRootfs(dir); });
  const spec = buildSpec({
    id, name: 'lim-1', service, image: image.config, rootfs: merged,
    etc: { passwd: readContainerEtc(merged, 'passwd'), group: readContainerEtc(merged, 'group') },
    security: securityOf(service, { name: 'lim', projectDir: env.dir, readFile: (p) => readFileSync(p, 'utf8') }),
  });
  // no oomFile: launch finds the memory cgroup's counter next to cgroupProcs itself
  const l = await launch({ id, name: 'lim-1', spec, containerDir: dir, cgroupProcs: driver.procsFiles(h) });
  return { id, dir, h, l };
}

test('a real image from the store runs on its overlay rootfs, init layer included, as PID 1, in every hierarchy', async () => {
  const c = await start({ command: ['sh', '-c', 'echo $PATH; cat /etc/hostname; echo $$; sleep 0.3'] });
  // v1 hierarchies by a written PID, the v2 one (unified) by clone3 CLONE_INTO_CGROUP
  for (const f of driver.procsFiles(c.h)) {
    assert.ok(readFileSync(f, 'utf8').split('\n').includes(String(c.l.pid)), `${f} holds PID 1`);
  }
  const exit = await waitExit(c.dir);
  assert.equal(exit.code, 0);
  const log = readFileSync(join(c.dir, 'log'), 'utf8');
  assert.match(log, /stdout F lim\n/);
  assert.match(log, /stdout F 1\n/);
});

test('cpus: 0.5 holds a busy loop to about half a CPU, measured from the cgroup', async () => {
  const c = await start({ cpus: 0.5, command: ['sh', '-c', 'while :; do :; done'] });
  const before = driver.stats(c.h).cpuUsageNs;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 2000));
  const used = driver.stats(c.h).cpuUsageNs - before;
  const wall = Number(process.hrtime.bigint() - t0);
  kill(c.l.pid, 'SIGKILL');
  await waitExit(c.dir);
  const share = used / wall;
  assert.ok(share <= 0.55, `used ${(share * 100).toFixed(1)}% of a CPU`);
  assert.ok(share >= 0.2, `the loop ran (${(share * 100).toFixed(1)}%)`);
});

test('mem_limit: 64m and a 128 MB allocation end in an OOM kill that exit.json reports', async () => {
  const c = await start({ mem_limit: 64 * 1024 * 1024, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'] });
  const exit = await waitExit(c.dir);
  assert.equal(exit.oomKilled, true);
  assert.equal(exit.code, 137);
  assert.equal(exit.signal, 9);
  assert.equal(driver.oomKilled(c.h), true);
});

test('pids_limit: 50 contains a fork bomb', async (t) => {
  const c = await start({ pids_limit: 50, command: ['sh', '-c', "sh -c 'i=0; while [ $i -lt 120 ]; do sleep 3 & i=$((i+1)); done'; exec sleep 3"] });
  const pidsDir = Object.entries(c.h.dirs).find(([k]) => k === 'pids' || k.split(',').includes('pids'))?.[1];
  if (!pidsDir) return t.skip('no pids hierarchy');
  await new Promise((r) => setTimeout(r, 500));
  // exec is counted against the same limit: it joined the container's cgroup
  const ex = await execIn({ name: 'lim-1', pid: c.l.pid, cgroupProcs: driver.procsFiles(c.h), argv: ['true'], env: [] }).then(() => 'ran', (e: Error) => e.message);
  kill(c.l.pid, 'SIGKILL');
  await waitExit(c.dir);
  const peak = Number(readFileSync(join(pidsDir, 'pids.peak'), 'utf8'));
  const refused = Number(/max (\d+)/.exec(readFileSync(join(pidsDir, 'pids.events'), 'utf8'))?.[1]);
  assert.ok(peak <= 50 && peak >= 45, `peak ${peak} tasks`);
  assert.ok(refused > 0, 'forks beyond the limit were refused');
  assert.match(ex, /fork: EAGAIN/, 'an exec at the limit cannot fork either');
});
