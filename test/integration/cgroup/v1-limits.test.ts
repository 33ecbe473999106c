// The cgroup driver on this machine's real hierarchies (hybrid: v1 controllers + an empty
// unified, FACTS.md), with plain processes placed in the cgroups by a small shell. Product code
// never writes cgroup.procs from Node (the launch helper does); here a spawned `sh` writes its
// own PID, so the test's event loop is not blocked either.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { detectCgroupDriver, resourcesOf, type CgroupDriver, type CgroupHandle } from '../../../executor/cgroup/driver.ts';
import { readPids, waitFor } from '../../../executor/cgroup/files.ts';
import type { Service } from '../../../schema/model.ts';

const env = testEnv('cgv1');
const driver: CgroupDriver = detectCgroupDriver('/sys/fs/cgroup');
const isRoot = process.getuid?.() === 0;
const usable = isRoot && driver.mode !== 'v2';
const projects: string[] = [];
const children: ChildProcess[] = [];
let seq = 0;

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const p of projects) await driver.removeProject(p).catch(() => undefined);
  const left = [...leftovers(env.project), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, [], 'nothing of ours is left');
});

const svc = (extra: Partial<Service>): Service => ({ environment: {}, labels: {}, depends_on: {}, ...extra }) as Service;

function project(): string {
  const p = `${env.project}${seq++}`;
  projects.push(p);
  return p;
}

/** Runs `body` in a shell that first moves itself into every cgroup of `h` (and exits if it cannot). */
async function inCgroup(h: CgroupHandle, body: string): Promise<ChildProcess> {
  const files = driver.procsFiles(h);
  const c = spawn('sh', ['-c', `set -e; for f; do echo $$ > "$f"; done; set +e; ${body}`, 'sh', ...files], { stdio: 'ignore' });
  children.push(c);
  const pid = c.pid!;
  const placed = await waitFor(() => Object.values(h.dirs).every((d) => readPids(d).includes(pid)) || c.exitCode !== null, 3000);
  assert.ok(placed && c.exitCode === null, 'the shell joined every hierarchy');
  return c;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('cpus: 0.5 holds a busy loop to at most 55% of one CPU over 2 s, measured from cpuacct', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const h = driver.create(p, 'busy', resourcesOf(svc({ cpus: 0.5 }), 'busy'));
  const c = await inCgroup(h, 'while :; do :; done');
  const t0 = process.hrtime.bigint();
  const u0 = driver.stats(h).cpuUsageNs;
  await sleep(2000);
  const u1 = driver.stats(h).cpuUsageNs;
  const wall = Number(process.hrtime.bigint() - t0);
  const share = (u1 - u0) / wall;
  await driver.killAll(h);
  await exited(c);
  await driver.remove(h);
  assert.ok(share <= 0.55, `used ${(share * 100).toFixed(1)}% of a CPU`);
  assert.ok(share >= 0.2, `the loop really ran (${(share * 100).toFixed(1)}%)`);
});

test('mem_limit: 64m and a 128 MB allocation end in an OOM kill that oomKilled() reports', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const h = driver.create(p, 'hog', resourcesOf(svc({ mem_limit: 64 * 1024 * 1024 }), 'hog'));
  assert.equal(driver.stats(h).memoryLimit, 64 * 1024 * 1024);
  assert.equal(driver.oomKilled(h), false);
  // tail keeps the whole newline-free input in memory.
  const c = await inCgroup(h, 'head -c 128M /dev/zero | tail >/dev/null');
  await Promise.race([exited(c), sleep(10000)]);
  assert.equal(driver.oomKilled(h), true);
  await driver.killAll(h);
  await driver.remove(h);
});

test('pids_limit: 50 contains a fork bomb, and killAll ends it', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  // Also capped at half a CPU: the bomb spins on failed forks and the machine is shared.
  const h = driver.create(p, 'bomb', resourcesOf(svc({ pids_limit: 50, cpus: 0.5 }), 'bomb'));
  // The bomb runs in a subshell: when a fork hits the limit, dash exits the shell that tried,
  // and the test's own shell must stay put (exec, no fork) until killAll ends it.
  const c = await inCgroup(h, '(b() { b | b & }; b); exec sleep 30');
  await sleep(2000);
  const dir = h.dirs.pids!;
  const current = Number(readFileSync(join(dir, 'pids.current'), 'utf8'));
  const refused = Number(/max (\d+)/.exec(readFileSync(join(dir, 'pids.events'), 'utf8'))?.[1] ?? 0);
  await driver.killAll(h);
  assert.deepEqual(readPids(dir), []);
  await exited(c);
  await driver.remove(h);
  assert.ok(current <= 50, `${current} tasks`);
  assert.ok(refused > 0, 'the kernel refused forks beyond the limit');
});

test('freeze stops a running counter and thaw lets it go on', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const dir = mkdtempSync(join(tmpdir(), 'tscompose-counter-'));
  const file = join(dir, 'n');
  try {
    const h = driver.create(p, 'count', {});
    const c = await inCgroup(h, `i=0; while :; do i=$((i+1)); echo $i > ${file}; done`);
    // The shell truncates before it writes, so a read may be empty (NaN): "mid-write".
    const raw = () => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };
    const count = () => Number(raw().trim() || NaN);
    await waitFor(() => count() > 10, 2000);
    await driver.freeze(h);
    assert.equal(readFileSync(join(h.dirs.freezer!, 'freezer.state'), 'utf8').trim(), 'FROZEN');
    // Frozen, the file must not change at all (it may even be frozen mid-write, empty).
    const frozenText = raw();
    await sleep(300);
    assert.equal(raw(), frozenText, 'no progress while frozen');
    let a = count();
    if (Number.isNaN(a)) a = 0;
    await driver.thaw(h);
    assert.ok(await waitFor(() => count() > a, 2000), 'progress after thaw');
    // killAll also works on a frozen cgroup (it thaws so the tasks can die).
    await driver.freeze(h);
    await driver.killAll(h);
    await exited(c);
    await driver.remove(h);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stats report plausible CPU, memory and pids for a running process', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const h = driver.create(p, 'stat', resourcesOf(svc({ pids_limit: 20, mem_limit: 32 * 1024 * 1024 }), 'stat'));
  const c = await inCgroup(h, 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 30');
  await waitFor(() => driver.stats(h).cpuUsageNs > 0 && driver.stats(h).pidsCurrent >= 2, 3000);
  const s = driver.stats(h);
  assert.ok(s.cpuUsageNs > 0 && s.cpuUsageNs < 30e9, `cpu ${s.cpuUsageNs}`);
  assert.ok(s.memoryUsage > 0 && s.memoryUsage < 32 * 1024 * 1024, `memory ${s.memoryUsage}`);
  assert.equal(s.memoryLimit, 32 * 1024 * 1024);
  assert.ok(s.pidsCurrent >= 1 && s.pidsCurrent <= 3, `pids ${s.pidsCurrent}`);
  assert.equal(s.pidsLimit, 20);
  await driver.killAll(h);
  await exited(c);
  await driver.remove(h);
});

test('every limit of a service reads back from the real v1 files', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const r = resourcesOf(svc({ cpus: 1.5, cpu_shares: 512, cpuset: '0', mem_limit: 48 * 1024 * 1024, mem_reservation: 16 * 1024 * 1024, pids_limit: 7, blkio_config: { weight: 300 } }), 'all');
  const h = driver.create(p, 'all', r);
  const read = (dir: string | undefined, f: string) => readFileSync(join(dir!, f), 'utf8').trim();
  assert.equal(read(h.dirs.cpu, 'cpu.cfs_quota_us'), '150000');
  assert.equal(read(h.dirs.cpu, 'cpu.cfs_period_us'), '100000');
  assert.equal(read(h.dirs.cpu, 'cpu.shares'), '512');
  assert.equal(read(h.dirs.cpuset, 'cpuset.cpus'), '0');
  assert.equal(read(h.dirs.memory, 'memory.limit_in_bytes'), String(48 * 1024 * 1024));
  assert.equal(read(h.dirs.memory, 'memory.soft_limit_in_bytes'), String(16 * 1024 * 1024));
  if (existsSync(join(h.dirs.memory!, 'memory.memsw.limit_in_bytes'))) assert.equal(read(h.dirs.memory, 'memory.memsw.limit_in_bytes'), String(96 * 1024 * 1024));
  assert.equal(read(h.dirs.pids, 'pids.max'), '7');
  const weightFile = existsSync(join(h.dirs.blkio!, 'blkio.weight')) ? 'blkio.weight' : 'blkio.bfq.weight';
  assert.match(read(h.dirs.blkio, weightFile), /\b300\b/);
  if (existsSync('/dev/loop0')) {
    // Per-device throttles: written by major:minor, read back the same way.
    const t = driver.create(p, 'throttle', resourcesOf(svc({ blkio_config: { device_read_bps: [{ path: '/dev/loop0', rate: 1048576 }], device_write_iops: [{ path: '/dev/loop0', rate: 50 }] } }), 't'));
    assert.equal(read(t.dirs.blkio, 'blkio.throttle.read_bps_device'), '7:0 1048576');
    assert.equal(read(t.dirs.blkio, 'blkio.throttle.write_iops_device'), '7:0 50');
    await driver.remove(t);
  }
  const s = driver.stats(h);
  assert.equal(s.cpuLimit, 1.5);
  assert.equal(s.memoryLimit, 48 * 1024 * 1024);
  assert.equal(s.pidsLimit, 7);
  await driver.remove(h);
});

test('the device cgroup allows only the default nodes', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const h = driver.create(p, 'dev', {});
  const list = readFileSync(join(h.dirs.devices!, 'devices.list'), 'utf8').trim().split('\n').sort();
  assert.ok(list.includes('c 1:3 rwm') && list.includes('c 136:* rwm') && list.includes('b *:* m'), list.join(', '));
  assert.ok(!list.includes('a *:* rwm'));
  // A process in it can use /dev/null but cannot open a disk node it could mknod.
  const c = spawn('sh', ['-c', `set -e; for f; do echo $$ > "$f"; done; echo ok > /dev/null && head -c1 /dev/mem >/dev/null 2>&1 && echo opened || echo denied`, 'sh', ...driver.procsFiles(h)], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(c);
  let out = '';
  c.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await exited(c);
  assert.equal(out.trim(), 'denied');
  await driver.remove(h);
});

test('remove leaves no directory of the project in any hierarchy, and is idempotent', { skip: usable ? false : 'needs root and cgroup v1' }, async () => {
  const p = project();
  const a = driver.create(p, 'a', resourcesOf(svc({ cpuset: '0', pids_limit: 10 }), 'a'));
  driver.create(p, 'b', {});
  const c = await inCgroup(a, 'sleep 30');
  // The leaf still has a task: killAll first, then remove copes with tasks still exiting (EBUSY).
  await driver.killAll(a);
  await driver.remove(a);
  await driver.remove(a);
  await exited(c);
  await driver.removeProject(p);
  assert.deepEqual(cgroupDirs().filter((d) => d.includes(p)), []);
});
