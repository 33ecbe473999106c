import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../../helpers/env.ts';
import { detectCgroupDriver } from '../../../executor/cgroup/driver.ts';
import { deviceWrites, DEFAULT_DEVICE_RULES } from '../../../executor/cgroup/v1/devices.ts';
import { SysError, TscError } from '../../../schema/errors.ts';

const env = testEnv('cgv1');
after(() => env.cleanup());
const MB = 1024 * 1024;
let n = 0;

/** A fake hybrid tree like this machine's: one dir per v1 hierarchy, an empty unified. */
function fakeHybrid(): string {
  const root = join(env.dir, `tree${n++}`);
  for (const h of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'systemd']) {
    mkdirSync(join(root, h), { recursive: true });
    writeFileSync(join(root, h, 'cgroup.procs'), '');
  }
  writeFileSync(join(root, 'cpuset', 'cpuset.cpus'), '0-3');
  writeFileSync(join(root, 'cpuset', 'cpuset.mems'), '0');
  mkdirSync(join(root, 'unified'));
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'hugetlb');
  return root;
}
const read = (p: string) => readFileSync(p, 'utf8');

test('create makes tscompose/<project>/<id> in every hierarchy, unified and name=systemd included', () => {
  const root = fakeHybrid();
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', {});
  assert.deepEqual(Object.keys(h.dirs).sort(), ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids', 'unified']);
  for (const dir of Object.values(h.dirs)) assert.ok(existsSync(dir), dir);
  assert.equal(h.dirs.memory, join(root, 'memory', 'tscompose', 'proj', 'c1'));
  assert.deepEqual(d.procsFiles(h).sort(), Object.values(h.dirs).map((x) => `${x}/cgroup.procs`).sort());
});

test('cpuset.cpus and mems are copied down from the parent at every level we create', () => {
  const root = fakeHybrid();
  const d = detectCgroupDriver(root, { fresh: true });
  d.create('proj', 'c1', {});
  for (const level of ['tscompose', 'tscompose/proj', 'tscompose/proj/c1']) {
    assert.equal(read(join(root, 'cpuset', level, 'cpuset.cpus')), '0-3', level);
    assert.equal(read(join(root, 'cpuset', level, 'cpuset.mems')), '0', level);
  }
  d.create('proj', 'c2', { cpu: { cpus: '1' } });
  assert.equal(read(join(root, 'cpuset', 'tscompose/proj/c2', 'cpuset.cpus')), '1');
});

test('limits land in the v1 files of their controllers', () => {
  const root = fakeHybrid();
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', {
    cpu: { quota: 50000, period: 100000, shares: 512 },
    memory: { limit: 64 * MB, swap: 128 * MB, reservation: 32 * MB, swappiness: 0 },
    pids: { limit: 50 },
    blockIO: { weight: 300 },
  });
  assert.equal(read(join(h.dirs.cpu!, 'cpu.cfs_quota_us')), '50000');
  assert.equal(read(join(h.dirs.cpu!, 'cpu.cfs_period_us')), '100000');
  assert.equal(read(join(h.dirs.cpu!, 'cpu.shares')), '512');
  assert.equal(read(join(h.dirs.memory!, 'memory.limit_in_bytes')), String(64 * MB));
  assert.equal(read(join(h.dirs.memory!, 'memory.soft_limit_in_bytes')), String(32 * MB));
  assert.equal(read(join(h.dirs.memory!, 'memory.swappiness')), '0');
  assert.equal(read(join(h.dirs.pids!, 'pids.max')), '50');
  assert.equal(read(join(h.dirs.blkio!, 'blkio.weight')), '300');
  // No memsw file offered (no swap accounting): none is invented.
  assert.equal(existsSync(join(h.dirs.memory!, 'memory.memsw.limit_in_bytes')), false);
  // Other hierarchies get no limit files.
  assert.equal(existsSync(join(h.dirs.cpuacct!, 'cpu.cfs_quota_us')), false);
});

test('memory+swap is written only where the kernel offers memory.memsw', () => {
  const root = fakeHybrid();
  mkdirSync(join(root, 'memory', 'tscompose', 'proj', 'c1'), { recursive: true });
  writeFileSync(join(root, 'memory', 'tscompose', 'proj', 'c1', 'memory.memsw.limit_in_bytes'), '9223372036854771712');
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', { memory: { limit: 64 * MB, swap: 128 * MB } });
  assert.equal(read(join(h.dirs.memory!, 'memory.memsw.limit_in_bytes')), String(128 * MB));
});

test('unlimited pids are written as max', () => {
  const d = detectCgroupDriver(fakeHybrid(), { fresh: true });
  const h = d.create('proj', 'c1', { pids: { limit: -1 } });
  assert.equal(read(join(h.dirs.pids!, 'pids.max')), 'max');
});

test('the device allow-list denies everything, then allows docker\'s default nodes', () => {
  const w = deviceWrites(undefined, false);
  assert.deepEqual(w[0], { file: 'devices.deny', line: 'a' });
  const allowed = w.slice(1).map((x) => x.line);
  for (const node of ['c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c *:* m', 'b *:* m']) {
    assert.ok(allowed.includes(node), node);
  }
  assert.equal(allowed.length, DEFAULT_DEVICE_RULES.length);
  assert.ok(!allowed.some((l) => l.startsWith('b ') && l.endsWith('rwm')), 'no block device is readable');
  assert.deepEqual(deviceWrites(undefined, true), [{ file: 'devices.allow', line: 'a' }]);
  assert.deepEqual(deviceWrites([{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }], false).at(-1), { file: 'devices.allow', line: 'c 10:229 rw' });
});

test('stats and oomKilled read the cgroup files', () => {
  const d = detectCgroupDriver(fakeHybrid(), { fresh: true });
  const h = d.create('proj', 'c1', { memory: { limit: 64 * MB }, cpu: { quota: 50000, period: 100000 } });
  writeFileSync(join(h.dirs.cpuacct!, 'cpuacct.usage'), '123456789\n');
  writeFileSync(join(h.dirs.memory!, 'memory.usage_in_bytes'), '1048576\n');
  writeFileSync(join(h.dirs.pids!, 'pids.current'), '3\n');
  writeFileSync(join(h.dirs.pids!, 'pids.max'), 'max\n');
  assert.deepEqual(d.stats(h), { cpuUsageNs: 123456789, cpuLimit: 0.5, memoryUsage: MB, memoryLimit: 64 * MB, pidsCurrent: 3, pidsLimit: undefined });
  writeFileSync(join(h.dirs.memory!, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
  assert.equal(d.oomKilled(h), false);
  writeFileSync(join(h.dirs.memory!, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
  assert.equal(d.oomKilled(h), true);
});

test('freeze writes FROZEN and waits until the kernel reports it', async () => {
  const d = detectCgroupDriver(fakeHybrid(), { fresh: true });
  const h = d.create('proj', 'c1', {});
  const state = join(h.dirs.freezer!, 'freezer.state');
  // A fake kernel: the state passes through FREEZING before it settles.
  writeFileSync(state, 'FREEZING');
  let settled = false;
  const p = d.freeze(h).then(() => { settled = true; });
  await new Promise((r) => setTimeout(r, 30));
  // freeze() re-asserted FROZEN, which in a plain file is what the next read sees.
  await p;
  assert.equal(settled, true);
  assert.equal(read(state), 'FROZEN');
  await d.thaw(h);
  assert.equal(read(state), 'THAWED');
});

test('remove deletes the leaf everywhere and the parents only once empty; twice is fine', async () => {
  const root = fakeHybrid();
  const d = detectCgroupDriver(root, { fresh: true });
  const a = d.create('proj', 'c1', { pids: { limit: 5 } });
  const b = d.create('proj', 'c2', {});
  await d.remove(a);
  for (const dir of Object.values(a.dirs)) assert.equal(existsSync(dir), false, dir);
  assert.ok(existsSync(join(root, 'pids', 'tscompose', 'proj', 'c2')));
  await d.remove(a);
  await d.remove(b);
  for (const h of ['cpu', 'memory', 'systemd', 'unified']) assert.equal(existsSync(join(root, h, 'tscompose')), false, h);
});

test('removeProject removes every container cgroup of the project and no other project\'s', async () => {
  const root = fakeHybrid();
  const d = detectCgroupDriver(root, { fresh: true });
  d.create('p1', 'a', {});
  d.create('p1', 'b', {});
  d.create('p2', 'c', {});
  await d.removeProject('p1');
  assert.equal(existsSync(join(root, 'memory', 'tscompose', 'p1')), false);
  assert.ok(existsSync(join(root, 'memory', 'tscompose', 'p2', 'c')));
  await d.removeProject('p2');
  assert.equal(existsSync(join(root, 'memory', 'tscompose')), false);
});

test('a failing limit write is a SysError naming the file, and nothing is left half-made', async () => {
  const root = fakeHybrid();
  // A directory where a file should be makes the write fail as a kernel refusal would.
  mkdirSync(join(root, 'pids', 'tscompose', 'proj', 'c1', 'pids.max'), { recursive: true });
  const d = detectCgroupDriver(root, { fresh: true });
  assert.throws(() => d.create('proj', 'c1', { pids: { limit: 5 } }), (e: unknown) => {
    assert.ok(e instanceof SysError);
    assert.match(e.message, /write "5" to .*pids\/tscompose\/proj\/c1\/pids\.max: EISDIR/);
    return true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(existsSync(join(root, 'memory', 'tscompose', 'proj', 'c1')), false);
});

test('a limit whose controller is not mounted is refused, not dropped', () => {
  const root = join(env.dir, `nomem${n++}`);
  mkdirSync(join(root, 'cpu'), { recursive: true });
  writeFileSync(join(root, 'cpu', 'cgroup.procs'), '');
  const d = detectCgroupDriver(root, { fresh: true });
  assert.throws(() => d.create('proj', 'c1', { memory: { limit: 64 * MB } }), (e: unknown) => e instanceof TscError && /memory cgroup controller is not mounted/.test(e.message));
});

test('names that are not plain directory names are refused', () => {
  const d = detectCgroupDriver(fakeHybrid(), { fresh: true });
  assert.throws(() => d.create('../etc', 'c1', {}), /Invalid project name/);
  assert.throws(() => d.create('proj', 'a/b', {}), /Invalid container id/);
});
