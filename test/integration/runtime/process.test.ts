// The process side of a container: init, rlimits, sysctls, devices, read-only root, OOM
// reporting, log rotation, and a waiter that outlives the process that launched it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeSuite, type TestContainer } from './fixture.ts';
import { buildSpec, launch, waitExit, readExit, type LaunchOptions } from '../../../executor/runtime/runtime.ts';
import { hostDevices, hostHardLimits, initBinary, statDevices } from '../../../executor/runtime/host.ts';
import { ContainerError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';

const { env, container } = runtimeSuite('rtproc');

const service = (s: Partial<Service>): Service => ({ environment: {}, labels: {}, depends_on: {}, ...s });

async function run(script: string, s: Partial<Service> = {}, o: Partial<LaunchOptions> = {}, setup?: (c: TestContainer) => void) {
  const c = container();
  setup?.(c);
  const svc = service({ command: ['sh', '-c', script], ...s });
  const initPath = initBinary();
  const spec = buildSpec({ id: c.id, name: 'proc-1', service: svc, image: {}, rootfs: c.rootfs, hostHardLimits: hostHardLimits(), devices: statDevices(svc), hostDevices: hostDevices(), ...(initPath ? { initPath } : {}) });
  const l = await launch({ id: c.id, name: 'proc-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs, oomFile: c.oomFile, ...o });
  const exit = await waitExit(c.dir);
  const log = readFileSync(join(c.dir, 'log'), 'utf8').split('\n').filter(Boolean);
  const out = log.filter((x) => x.split(' ')[1] === 'stdout').map((x) => x.split(' ').slice(3).join(' '));
  return { c, l, exit, out, log };
}

test('init: true runs tini as PID 1, which reaps orphans and passes the exit code on', async (t) => {
  if (!initBinary()) return t.skip('tini is not installed');
  const r = await run('sh -c "sleep 0.1 &" ; sleep 0.3; ps -o pid,stat,comm | grep -c " Z " ; cat /proc/1/cmdline | tr "\\0" " "; echo; exit 5', { init: true });
  assert.equal(r.out[0], '0', 'no zombie left behind');
  assert.match(r.out[1] ?? '', /^\/sbin\/docker-init -- sh -c/);
  assert.equal(r.exit.code, 5);
});

test('ulimits nofile holds inside the container', async () => {
  const r = await run('ulimit -n; ulimit -Hn', { ulimits: { nofile: { soft: 512, hard: 1024 } } });
  assert.deepEqual(r.out, ['512', '1024']);
});

test('a ulimit above the host hard limit is refused before launch', async () => {
  const hard = hostHardLimits().nofile!;
  await assert.rejects(run('true', { ulimits: { nofile: { soft: hard + 1, hard: hard + 1 } } }), new RegExp(`above the host's hard limit ${hard}`));
});

test('namespaced sysctls, hostname, domainname and oom_score_adj apply inside', async () => {
  const r = await run('cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start; hostname; cat /proc/sys/kernel/domainname; cat /proc/self/oom_score_adj', {
    sysctls: { 'kernel.shmmni': '1234', 'net.ipv4.ip_unprivileged_port_start': '80' }, hostname: 'h1', domainname: 'example.test', oom_score_adj: 300,
  });
  assert.deepEqual(r.out, ['1234', '80', 'h1', 'example.test', '300']);
  assert.notEqual(readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'the host is unchanged');
});

test('devices: makes the host device node in the container; /dev has the standard nodes', async (t) => {
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse on this host');
  const r = await run('ls /dev | sort | tr "\\n" " "; echo; stat -c "%t:%T" /dev/fuse', { devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }] });
  for (const n of ['full', 'fuse', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'tty', 'urandom', 'zero', 'fd', 'stdin']) {
    assert.ok(r.out[0]!.split(' ').includes(n), `/dev/${n} in ${r.out[0]}`);
  }
  assert.equal(r.out[1], 'a:e5'); // 10:229 in hex
});

test('read_only: true makes / read-only while volumes and /dev/shm stay writable', async () => {
  const r = await run('touch /x 2>/dev/null && echo ROOTW; touch /dev/shm/x && echo SHMW; touch /t/x && echo TMPW; true', { read_only: true, tmpfs: ['/t'] });
  assert.deepEqual(r.out, ['SHMW', 'TMPW']);
});

test('an OOM kill inside the container is reported as oomKilled in exit.json', async () => {
  const r = await run('dd if=/dev/zero of=/dev/null bs=128M count=1; echo survived', {}, {}, (c) => {
    const mem = c.cgroupProcs[1]!.replace('cgroup.procs', '');
    writeFileSync(join(mem, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    if (existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(mem, 'memory.memsw.limit_in_bytes'), String(64 * 1024 * 1024));
  });
  // dd is the victim; the shell goes on, as in docker the container is still marked OOMKilled
  assert.equal(r.exit.oomKilled, true, JSON.stringify(r.exit) + r.log.join('\n'));
});

test('the log rotates at max-size, keeping max-file files', async () => {
  const r = await run('i=0; while [ $i -lt 300 ]; do echo "line $i ................................................"; i=$((i+1)); done', {}, { logMaxSize: 4096, logMaxFiles: 3 });
  const files = readdirSync(r.c.dir).filter((f) => f.startsWith('log')).sort();
  assert.deepEqual(files, ['log', 'log.1', 'log.2']);
  for (const f of files) assert.ok(readFileSync(join(r.c.dir, f)).length <= 4096, f);
  const last = readFileSync(join(r.c.dir, 'log'), 'utf8').trim().split('\n').at(-1);
  assert.match(last ?? '', /stdout F line 299 /);
});

test('the waiter outlives the process that launched the container and still writes exit.json', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'orphan-1', service: service({ command: ['sh', '-c', 'sleep 0.5; echo done; exit 4'] }), image: {}, rootfs: c.rootfs });
  const script = `
    import { launch } from ${JSON.stringify(new URL('../../../executor/runtime/runtime.ts', import.meta.url).pathname)};
    const l = await launch(${JSON.stringify({ id: c.id, name: 'orphan-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs })});
    console.log(JSON.stringify(l));
    process.exit(0);`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: env.env });
  assert.equal(p.status, 0, p.stderr);
  const l = JSON.parse(p.stdout) as { pid: number; waiterPid: number };
  assert.ok(existsSync(`/proc/${l.waiterPid}`), 'waiter alive after its parent exited');
  assert.equal(readExit(c.dir), undefined);
  const exit = await waitExit(c.dir);
  assert.equal(exit.code, 4);
  assert.match(readFileSync(join(c.dir, 'log'), 'utf8'), /stdout F done/);
  // the waiter is gone (reaped by init) once it has reported
  for (let i = 0; i < 50 && existsSync(`/proc/${l.waiterPid}/exe`); i++) execFileSync('sleep', ['0.02']);
  assert.ok(!existsSync(`/proc/${l.waiterPid}/exe`));
});

test('a container whose cgroup vanished fails at the cgroup step and leaves no process', async () => {
  const c = container({ cgroups: false });
  const spec = buildSpec({ id: c.id, name: 'nocg-1', service: service({ command: ['true'] }), image: {}, rootfs: c.rootfs });
  await assert.rejects(launch({ id: c.id, name: 'nocg-1', spec, containerDir: c.dir, cgroupProcs: [join(env.dir, 'no-such-cgroup', 'cgroup.procs')] }),
    (e: unknown) => e instanceof ContainerError && e.step === 'cgroup' && /ENOENT/.test(e.message));
});

test('privileged: every capability we hold, mount works, host devices present, nothing masked', async () => {
  const r = await run('grep CapEff /proc/self/status; mount -t tmpfs none /tmp && echo MOUNTED; ls /dev/fuse; cat /proc/keys >/dev/null && echo KEYS', { privileged: true });
  // every capability this process holds itself (a sandbox may lack some, e.g. CAP_SYS_RESOURCE)
  const ours = /CapPrm:\s+(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  assert.match(r.out[0] ?? '', new RegExp(`CapEff:\\s+${ours}`));
  assert.deepEqual(r.out.slice(1), ['MOUNTED', '/dev/fuse', 'KEYS']);
});

test('a waiter killed by hand does not leave waitExit hanging: the status is reported lost once PID 1 is gone', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'lost-1', service: service({ command: ['sleep', '30'] }), image: {}, rootfs: c.rootfs });
  const l = await launch({ id: c.id, name: 'lost-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  process.kill(l.waiterPid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  process.kill(l.pid, 'SIGKILL');
  const exit = await waitExit(c.dir);
  assert.equal(exit.lost, true);
  assert.equal(exit.code, 255);
});

test('with pid: host the container ends with its main process, even if a background child keeps its output open', async () => {
  const t0 = Date.now();
  const r = await run('sleep 3 & echo main done', { pid: 'host' });
  assert.equal(r.exit.code, 0);
  assert.ok(Date.now() - t0 < 2000, `exit.json written without waiting for the background sleep (${Date.now() - t0} ms)`);
  assert.deepEqual(r.out, ['main done']);
});
