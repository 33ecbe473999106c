import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../../helpers/env.ts';
import { detectCgroupDriver } from '../../../executor/cgroup/driver.ts';
import { blkioToIoWeight } from '../../../executor/cgroup/v2/io.ts';
import { TscError } from '../../../schema/errors.ts';

const env = testEnv('cgv2');
after(() => env.cleanup());
const MB = 1024 * 1024;
let n = 0;

/** A fake v2 root. The fake kernel's part: each new cgroup offers what its parent enabled in subtree_control. */
function fakeV2(controllers = 'cpuset cpu io memory hugetlb pids rdma'): string {
  const root = join(env.dir, `v2-${n++}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'cgroup.controllers'), controllers);
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  return root;
}
const read = (p: string) => readFileSync(p, 'utf8');

test('controllers are enabled in the subtree_control of the root and of each parent we create', () => {
  const root = fakeV2();
  // In a fake tree the parents' cgroup.controllers must exist for the driver to enable from them.
  mkdirSync(join(root, 'tscompose', 'proj'), { recursive: true });
  writeFileSync(join(root, 'tscompose', 'cgroup.controllers'), 'cpuset cpu io memory pids');
  writeFileSync(join(root, 'tscompose', 'proj', 'cgroup.controllers'), 'cpuset cpu io memory pids');
  const d = detectCgroupDriver(root, { fresh: true });
  assert.equal(d.mode, 'v2');
  d.create('proj', 'c1', {});
  assert.equal(read(join(root, 'cgroup.subtree_control')), '+cpuset +cpu +io +memory +pids');
  assert.equal(read(join(root, 'tscompose', 'cgroup.subtree_control')), '+cpuset +cpu +io +memory +pids');
  assert.equal(read(join(root, 'tscompose', 'proj', 'cgroup.subtree_control')), '+cpuset +cpu +io +memory +pids');
});

test('controllers already enabled in the host root are not written again', () => {
  const root = fakeV2('cpu memory pids');
  writeFileSync(join(root, 'cgroup.subtree_control'), 'cpu memory pids');
  detectCgroupDriver(root, { fresh: true }).create('proj', 'c1', {});
  assert.equal(read(join(root, 'cgroup.subtree_control')), 'cpu memory pids');
});

test('limits land in the v2 files: cpu.max, cpu.weight, memory.max/low/high, pids.max, cpuset, io.weight', () => {
  const root = fakeV2();
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', {
    cpu: { quota: 50000, period: 100000, shares: 1024, weight: 100, cpus: '0', mems: '0' },
    memory: { limit: 64 * MB, reservation: 32 * MB, high: 48 * MB },
    pids: { limit: 50 },
    blockIO: { weight: 500 },
  });
  const leaf = join(root, 'tscompose', 'proj', 'c1');
  assert.deepEqual(h.dirs, { unified: leaf });
  assert.equal(read(join(leaf, 'cpu.max')), '50000 100000');
  assert.equal(read(join(leaf, 'cpu.weight')), '100');
  assert.equal(read(join(leaf, 'memory.max')), String(64 * MB));
  assert.equal(read(join(leaf, 'memory.low')), String(32 * MB));
  assert.equal(read(join(leaf, 'memory.high')), String(48 * MB));
  assert.equal(read(join(leaf, 'pids.max')), '50');
  assert.equal(read(join(leaf, 'cpuset.cpus')), '0');
  assert.equal(read(join(leaf, 'io.weight')), `default ${blkioToIoWeight(500)}`);
  assert.deepEqual(d.procsFiles(h), [join(leaf, 'cgroup.procs')]);
});

test('v1 shares are converted to a v2 weight when only shares are given', () => {
  const root = fakeV2();
  const h = detectCgroupDriver(root, { fresh: true }).create('proj', 'c1', { cpu: { shares: 1024 } });
  assert.equal(read(join(h.dirs.unified!, 'cpu.weight')), '100');
});

test('memory.swap.max is the swap part of memory+swap, max for unlimited, and only where offered', () => {
  const root = fakeV2();
  const leaf = join(root, 'tscompose', 'proj', 'c1');
  mkdirSync(leaf, { recursive: true });
  writeFileSync(join(leaf, 'memory.swap.max'), 'max');
  const d = detectCgroupDriver(root, { fresh: true });
  d.create('proj', 'c1', { memory: { limit: 64 * MB, swap: 96 * MB } });
  assert.equal(read(join(leaf, 'memory.swap.max')), String(32 * MB));
  d.create('proj', 'c1', { memory: { limit: 64 * MB, swap: -1 } });
  assert.equal(read(join(leaf, 'memory.swap.max')), 'max');
  const h2 = d.create('proj', 'c2', { memory: { limit: 64 * MB, swap: 128 * MB } });
  assert.equal(existsSync(join(h2.dirs.unified!, 'memory.swap.max')), false);
});

test('unlimited CPU quota is written as max with the period kept', () => {
  const h = detectCgroupDriver(fakeV2(), { fresh: true }).create('proj', 'c1', { cpu: { quota: -1, period: 50000 } });
  assert.equal(read(join(h.dirs.unified!, 'cpu.max')), 'max 50000');
});

test('v1-only memory settings are refused on v2 rather than dropped', () => {
  const d = detectCgroupDriver(fakeV2(), { fresh: true });
  assert.throws(() => d.create('proj', 'c1', { memory: { swappiness: 10 } }), /mem_swappiness cannot be applied on cgroup v2/);
  assert.throws(() => d.create('proj', 'c2', { memory: { disableOOMKiller: true } }), /oom_kill_disable cannot be applied/);
});

test('a limit whose controller the host does not offer is a clear error', () => {
  const d = detectCgroupDriver(fakeV2('memory pids'), { fresh: true });
  assert.throws(() => d.create('proj', 'c1', { cpu: { quota: 50000, period: 100000 } }), (e: unknown) =>
    e instanceof TscError && e.code === 'CGROUP_UNSUPPORTED' && /controllers cpu are not available/.test(e.message));
});

test('stats, oomKilled and freeze read memory.current, cpu.stat, memory.events and cgroup.events', async () => {
  const root = fakeV2();
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', { memory: { limit: 64 * MB }, pids: { limit: 9 } });
  const leaf = h.dirs.unified!;
  writeFileSync(join(leaf, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
  writeFileSync(join(leaf, 'memory.current'), '4096\n');
  writeFileSync(join(leaf, 'pids.current'), '2\n');
  assert.deepEqual(d.stats(h), { cpuUsageNs: 2_500_000, cpuLimit: undefined, memoryUsage: 4096, memoryLimit: 64 * MB, pidsCurrent: 2, pidsLimit: 9 });
  writeFileSync(join(leaf, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n');
  assert.equal(d.oomKilled(h), false);
  writeFileSync(join(leaf, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
  assert.equal(d.oomKilled(h), true);

  writeFileSync(join(leaf, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  let done = false;
  const p = d.freeze(h).then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(done, false, 'freeze waits for cgroup.events to say frozen');
  assert.equal(read(join(leaf, 'cgroup.freeze')), '1');
  writeFileSync(join(leaf, 'cgroup.events'), 'populated 1\nfrozen 1\n');
  await p;
  assert.equal(done, true);
});

test('remove takes the leaf and the empty parents away', async () => {
  const root = fakeV2();
  const d = detectCgroupDriver(root, { fresh: true });
  const h = d.create('proj', 'c1', { pids: { limit: 9 } });
  await d.remove(h);
  assert.equal(existsSync(join(root, 'tscompose')), false);
  await d.remove(h);
});

test('throttles for one device become one io.max line', async () => {
  const { ioMaxLines } = await import('../../../executor/cgroup/v2/io.ts');
  assert.deepEqual(ioMaxLines({ readBps: ['8:0 1048576'], writeBps: ['8:0 2097152'], readIops: ['8:16 100'], writeIops: [] }),
    ['8:0 rbps=1048576 wbps=2097152', '8:16 riops=100']);
});

test('per-device throttles reach io.max on a real block device path', (t) => {
  if (!existsSync('/dev/loop0')) return t.skip('no /dev/loop0 to point at');
  const root = fakeV2();
  const h = detectCgroupDriver(root, { fresh: true }).create('proj', 'c1', { blockIO: { throttleReadBpsDevice: [{ path: '/dev/loop0', rate: 1048576 }] } });
  assert.equal(read(join(h.dirs.unified!, 'io.max')), '7:0 rbps=1048576');
});
