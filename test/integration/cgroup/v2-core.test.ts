// The v2 driver on this machine's real unified hierarchy. It carries no controllers here
// (FACTS.md), so what is tested for real is the cgroup core the v2 driver relies on:
// cgroup.procs, cgroup.freeze + cgroup.events, cgroup.kill and removal. Controller files are
// covered against a fake tree in test/unit/cgroup/v2-driver.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { detectCgroupDriver, type CgroupDriver, type CgroupHandle } from '../../../executor/cgroup/driver.ts';
import { readPids, waitFor } from '../../../executor/cgroup/files.ts';
import { detectLayout } from '../../../executor/cgroup/detect.ts';

const env = testEnv('cgv2');
const UNIFIED = '/sys/fs/cgroup/unified';
const layout = detectLayout(UNIFIED);
const usable = process.getuid?.() === 0 && !layout.fake && layout.mode === 'v2' && existsSync(UNIFIED);
const skip = usable ? false : 'needs root and a real cgroup2 mount at /sys/fs/cgroup/unified';
const children: ChildProcess[] = [];
let driver: CgroupDriver | undefined;

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (driver) await driver.removeProject(env.project).catch(() => undefined);
  const left = [...leftovers(env.project), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, []);
});

async function place(h: CgroupHandle, body: string): Promise<ChildProcess> {
  const c = spawn('sh', ['-c', `set -e; for f; do echo $$ > "$f"; done; set +e; ${body}`, 'sh', ...driver!.procsFiles(h)], { stdio: 'ignore' });
  children.push(c);
  assert.ok(await waitFor(() => readPids(h.dirs.unified!).includes(c.pid!), 3000), 'placed');
  return c;
}

test('the unified hierarchy gets the v2 driver, and a container cgroup holds a process', { skip }, async () => {
  driver = detectCgroupDriver(UNIFIED);
  assert.equal(driver.mode, 'v2');
  const h = driver.create(env.project, 'core', {});
  assert.equal(h.dirs.unified, join(UNIFIED, 'tscompose', env.project, 'core'));
  const c = await place(h, 'sleep 30');
  assert.match(readFileSync(join(h.dirs.unified!, 'cgroup.events'), 'utf8'), /populated 1/);

  await driver.freeze(h);
  assert.match(readFileSync(join(h.dirs.unified!, 'cgroup.events'), 'utf8'), /frozen 1/);
  // cgroup.events says frozen once every task is on its way into the freezer trap; the task's own
  // state reads R until the scheduler has switched it out, a moment later on a busy machine.
  const state = () => readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1]?.[0];
  for (const t0 = Date.now(); state() !== 'S' && Date.now() - t0 < 1000;) await new Promise((r) => setTimeout(r, 5));
  assert.equal(state(), 'S', 'a frozen task sleeps in the freezer');
  await driver.thaw(h);
  assert.match(readFileSync(join(h.dirs.unified!, 'cgroup.events'), 'utf8'), /frozen 0/);

  await driver.killAll(h);
  assert.deepEqual(readPids(h.dirs.unified!), []);
  await driver.remove(h);
  assert.equal(existsSync(h.dirs.unified!), false);
});

test('cgroup.kill ends a forking process tree in one write', { skip }, async () => {
  driver = detectCgroupDriver(UNIFIED);
  const h = driver.create(env.project, 'tree', {});
  await place(h, 'for i in 1 2 3 4 5; do sleep 30 & done; wait');
  await waitFor(() => readPids(h.dirs.unified!).length >= 6, 2000);
  assert.ok(readPids(h.dirs.unified!).length >= 6);
  const t0 = Date.now();
  await driver.killAll(h);
  assert.ok(Date.now() - t0 < 2000);
  assert.deepEqual(readPids(h.dirs.unified!), []);
  await driver.removeProject(env.project);
  assert.deepEqual(cgroupDirs().filter((d) => d.includes(env.project)), []);
});

test('the eBPF device program lets a task open /dev/null but not a disk or /dev/kmsg, and mknod is allowed', { skip }, async () => {
  driver = detectCgroupDriver(UNIFIED);
  const h = driver.create(env.project, 'dev', {});
  const node = join(env.dir, 'loopnode');
  const script = [
    'set -e; for f; do echo $$ > "$f"; done; set +e',
    'head -c1 /dev/null && echo null:ok || echo null:denied',
    'head -c1 /dev/loop0 >/dev/null 2>&1 && echo loop:ok || echo loop:denied',
    'head -c1 /dev/kmsg >/dev/null 2>&1 && echo kmsg:ok || echo kmsg:denied',
    `mknod ${node} b 7 0 && echo mknod:ok || echo mknod:denied`,
    `head -c1 ${node} >/dev/null 2>&1 && echo node:ok || echo node:denied`,
  ].join('\n');
  const c = spawn('sh', ['-c', script, 'sh', ...driver.procsFiles(h)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  let out = '';
  c.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((r) => c.once('exit', () => r()));
  assert.equal(out, 'null:ok\nloop:denied\nkmsg:denied\nmknod:ok\nnode:denied\n');
  // Outside the cgroup the same opens work: the refusals above are the program's.
  const host = spawn('sh', ['-c', 'head -c1 /dev/loop0 >/dev/null 2>&1 && echo ok'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let hostOut = '';
  host.stdout!.on('data', (d: Buffer) => { hostOut += d.toString(); });
  await new Promise<void>((r) => host.once('exit', () => r()));
  assert.equal(hostOut, 'ok\n');
  await driver.remove(h);
});
