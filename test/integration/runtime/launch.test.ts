// Launching busybox containers through the native helper and checking their isolation from
// inside, with busybox tools (ISSUE 6). Real namespaces, overlay, cgroups; nothing left after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeSuite } from './fixture.ts';
import { buildSpec, launch, waitExit, execIn, kill, readExit } from '../../../executor/runtime/runtime.ts';
import { DEFAULT_CAPABILITIES } from '../../../executor/security/capabilities.ts';
import { capMask } from '../../../executor/runtime/compact.ts';
import { readContainerEtc } from '../../../executor/runtime/etc-files.ts';
import { ContainerError, TscError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';

const { env, container } = runtimeSuite('runtime');

function service(s: Partial<Service>): Service {
  return { environment: {}, labels: {}, depends_on: {}, image: 'busybox', ...s };
}

/** Runs `sh -c script` in a fresh container; returns stdout lines from the CRI log and the exit status. */
async function run(script: string, s: Partial<Service> = {}, extra: { volumes?: Record<string, string> } = {}) {
  const c = container();
  const spec = buildSpec({
    id: c.id, name: 'rt-test-1', service: service({ command: ['sh', '-c', script], ...s }), image: {}, rootfs: c.rootfs,
    etc: { passwd: readContainerEtc(c.rootfs, 'passwd'), group: readContainerEtc(c.rootfs, 'group') },
    ...(extra.volumes ? { volumes: extra.volumes } : {}),
  });
  const l = await launch({ id: c.id, name: 'rt-test-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs, oomFile: c.oomFile });
  const exit = await waitExit(c.dir);
  const log = readFileSync(join(c.dir, 'log'), 'utf8').split('\n').filter(Boolean);
  const out = log.filter((l) => l.split(' ')[1] === 'stdout').map((l) => l.split(' ').slice(3).join(' '));
  const err = log.filter((l) => l.split(' ')[1] === 'stderr').map((l) => l.split(' ').slice(3).join(' '));
  return { c, l, exit, out, err, log };
}

test('the app is PID 1 of its own PID namespace and sees no host process', async () => {
  const r = await run('echo $$; ps -o pid | tail -n +2 | wc -l');
  assert.equal(r.exit.code, 0, r.err.join('\n'));
  assert.equal(r.out[0], '1');
  // the shell and ps (and the pipe's helpers) only: a handful, never the host's hundreds
  assert.ok(Number(r.out[1]) <= 4, `sees ${r.out[1]} processes`);
});

test('the container has its own hostname and only its own mounts', async () => {
  const r = await run('hostname; cat /proc/self/mountinfo', { hostname: 'box-one' });
  assert.equal(r.out[0], 'box-one');
  const mounts = r.out.slice(1).map((l) => l.split(' ')[4]);
  assert.ok(mounts.includes('/') && mounts.includes('/proc') && mounts.includes('/dev/shm'));
  assert.ok(!mounts.some((m) => m?.startsWith('/work') || m?.startsWith('/tmp/tscompose')), mounts.join(' '));
});

test('/proc/sys is read-only, /proc/keys is masked and mount is refused', async () => {
  const r = await run('echo 1 > /proc/sys/kernel/ns_last_pid && echo WROTE; cat /proc/keys | wc -c; mount -t tmpfs none /tmp && echo MOUNTED; true');
  assert.ok(!r.out.includes('WROTE'), '/proc/sys write must fail');
  assert.equal(r.out.find((l) => /^\d+$/.test(l)), '0', '/proc/keys reads empty');
  assert.ok(!r.out.includes('MOUNTED'), 'mount must fail without CAP_SYS_ADMIN');
  assert.ok(r.err.some((l) => /mount: .*(denied|not permitted)/i.test(l)), r.err.join('\n'));
  assert.ok(r.err.some((l) => /Read-only file system/.test(l)));
});

test('the capability sets are exactly docker\'s default set', async () => {
  const r = await run('grep -E "^Cap(Eff|Prm|Bnd|Inh)" /proc/self/status');
  const want = capMask([...DEFAULT_CAPABILITIES]).padStart(16, '0');
  const caps = Object.fromEntries(r.out.map((l) => l.split(/:\s+/) as [string, string]));
  assert.equal(caps.CapEff, want);
  assert.equal(caps.CapPrm, want);
  assert.equal(caps.CapBnd, want);
  assert.equal(caps.CapInh, '0000000000000000');
});

test('no-new-privileges sets NoNewPrivs: 1, and it is 0 otherwise', async () => {
  const on = await run('grep NoNewPrivs /proc/self/status', { security_opt: ['no-new-privileges:true'] });
  const off = await run('grep NoNewPrivs /proc/self/status');
  assert.match(on.out[0] ?? '', /NoNewPrivs:\s+1/);
  assert.match(off.out[0] ?? '', /NoNewPrivs:\s+0/);
});

test('user 1000 holds, with supplementary groups from the container\'s /etc/group and HOME from /etc/passwd', async () => {
  const r = await run('id -u; id -g; id -G; echo $HOME; touch /root/x 2>/dev/null && echo WROTE; true', { user: '1000' });
  assert.deepEqual(r.out.slice(0, 4), ['1000', '1000', '1000 10', '/home/app']);
  assert.ok(!r.out.includes('WROTE'));
  const byName = await run('id -un', { user: 'app:wheel' });
  assert.equal(byName.out[0], 'app');
});

test('exit code, CRI log lines and exit.json are written by the waiter', async () => {
  const r = await run('echo out; echo err >&2; printf partial; exit 3');
  assert.deepEqual(r.exit.code, 3);
  assert.equal(r.exit.signal, null);
  assert.equal(r.exit.oomKilled, false);
  assert.match(r.log[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F out$/);
  assert.ok(r.log.some((l) => / stderr F err$/.test(l)));
  assert.ok(r.log.some((l) => / stdout F partial$/.test(l)));
  assert.deepEqual(readExit(r.c.dir), r.exit);
});

test('a container killed by a signal reports the signal and 128+N', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'rt-kill-1', service: service({ command: ['sleep', '30'] }), image: {}, rootfs: c.rootfs });
  const l = await launch({ id: c.id, name: 'rt-kill-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  assert.equal(kill(l.pid, 'SIGKILL'), true);
  const exit = await waitExit(c.dir);
  assert.equal(exit.code, 137);
  assert.equal(exit.signal, 9);
});

test('the container is in its cgroups before its first instruction', async () => {
  const r = await run('cat /proc/self/cgroup');
  // cgroup namespace: the container's own cgroup is its root
  assert.ok(r.out.some((l) => /:pids:\/$/.test(l)), r.out.join('\n'));
  assert.ok(r.out.some((l) => /:memory:\/$/.test(l)), r.out.join('\n'));
});

test('bind mounts: rw is writable from inside, ro is not', async () => {
  const host = join(env.dir, 'bind-src');
  mkdirSync(host, { recursive: true });
  writeFileSync(join(host, 'in.txt'), 'hello\n');
  const r = await run('cat /rw/in.txt; echo new > /rw/out.txt; echo x > /ro/y.txt && echo WROTE; true', {
    volumes: [{ type: 'bind', source: host, target: '/rw' }, { type: 'bind', source: host, target: '/ro', read_only: true }],
  });
  assert.equal(r.out[0], 'hello');
  assert.equal(readFileSync(join(host, 'out.txt'), 'utf8'), 'new\n');
  assert.ok(!r.out.includes('WROTE'));
  assert.ok(!existsSync(join(host, 'y.txt')));
});

test('tmpfs mounts get the size asked for, and /dev/shm follows shm_size', async () => {
  const r = await run('df -k /scratch | tail -1; df -k /dev/shm | tail -1', {
    volumes: [{ type: 'tmpfs', target: '/scratch', tmpfs: { size: 4 * 1024 * 1024 } }], shm_size: 8 * 1024 * 1024,
  });
  assert.equal(r.out[0]?.split(/\s+/)[1], '4096');
  assert.equal(r.out[1]?.split(/\s+/)[1], '8192');
});

test('a missing binary fails at the exec step, naming the container', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'rt-nobin-1', service: service({ command: ['/no/such/binary'] }), image: {}, rootfs: c.rootfs });
  await assert.rejects(launch({ id: c.id, name: 'rt-nobin-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs }), (e: unknown) => {
    assert.ok(e instanceof ContainerError);
    assert.equal(e.container, 'rt-nobin-1');
    assert.equal(e.step, 'exec');
    assert.match(e.message, /exec rt-nobin-1: exec \/no\/such\/binary: ENOENT/);
    return true;
  });
});

test('a bad mount source fails at the mount step, naming the source', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'rt-badmnt-1', service: service({ command: ['true'], volumes: [{ type: 'bind', source: '/nonexistent/tscompose-src', target: '/x' }] }), image: {}, rootfs: c.rootfs });
  await assert.rejects(launch({ id: c.id, name: 'rt-badmnt-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs }), (e: unknown) => {
    assert.ok(e instanceof ContainerError);
    assert.equal(e.step, 'mount');
    assert.match(e.message, /mount \/nonexistent\/tscompose-src: ENOENT/);
    return true;
  });
});

test('a user missing from the container\'s /etc/passwd is refused before launch', () => {
  assert.throws(() => buildSpec({ id: 'a'.repeat(64), name: 'rt-baduser-1', service: service({ command: ['true'], user: 'ghost' }), image: {}, rootfs: '/x', etc: { passwd: 'root:x:0:0::/root:/bin/sh\n', group: '' } }),
    (e: unknown) => e instanceof TscError && /rt-baduser-1.*user.*ghost/.test(e.message));
});

test('exec joins the container\'s namespaces and cgroup, as the given user', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'rt-exec-1', service: service({ command: ['sleep', '30'], hostname: 'exec-box' }), image: {}, rootfs: c.rootfs });
  const l = await launch({ id: c.id, name: 'rt-exec-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  try {
    const r = await execIn({ name: 'rt-exec-1', pid: l.pid, cgroupProcs: c.cgroupProcs, argv: ['sh', '-c', 'hostname; id -u; cat /proc/self/cgroup; ps -o pid,comm | grep sleep'], env: ['PATH=/bin'], user: 'app' });
    assert.equal(r.code, 0, r.stderr);
    const lines = (r.stdout ?? '').split('\n');
    assert.equal(lines[0], 'exec-box');
    assert.equal(lines[1], '1000');
    assert.ok(lines.some((x) => /:pids:\/$/.test(x)), 'in the container cgroup (its root in the cgroup namespace)');
    assert.match(lines.find((x) => /sleep/.test(x)) ?? '', /^\s*1 sleep/);
    const bad = await execIn({ name: 'rt-exec-1', pid: l.pid, cgroupProcs: c.cgroupProcs, argv: ['nope'], env: ['PATH=/bin'] })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(bad instanceof ContainerError && bad.step === 'exec' && /ENOENT/.test(bad.message));
    const code = await execIn({ pid: l.pid, cgroupProcs: c.cgroupProcs, argv: ['sh', '-c', 'exit 7'], env: [] });
    assert.equal(code.code, 7);
  } finally {
    kill(l.pid, 'SIGKILL');
    await waitExit(c.dir);
  }
});

test('the default seccomp profile is installed and blocks what docker blocks; seccomp=unconfined removes it', async () => {
  const { securityOf } = await import('../../../executor/security/security.ts');
  const sec = (s: Partial<Service>) => securityOf(service(s), { name: 'sec', projectDir: '/', readFile: () => '' });
  const script = 'grep "^Seccomp:" /proc/self/status; unshare -U true && echo USERNS_OK; true';
  const c1 = container();
  const confined = buildSpec({ id: c1.id, name: 'sec-1', service: service({ command: ['sh', '-c', script] }), image: {}, rootfs: c1.rootfs, security: sec({}) });
  await launch({ id: c1.id, name: 'sec-1', spec: confined, containerDir: c1.dir, cgroupProcs: c1.cgroupProcs });
  await waitExit(c1.dir);
  const out1 = readFileSync(join(c1.dir, 'log'), 'utf8');
  assert.match(out1, /stdout F Seccomp:\s+2/);
  assert.doesNotMatch(out1, /USERNS_OK/);
  const c2 = container();
  const open = buildSpec({ id: c2.id, name: 'sec-2', service: service({ command: ['sh', '-c', script] }), image: {}, rootfs: c2.rootfs, security: sec({ security_opt: ['seccomp=unconfined'] }) });
  await launch({ id: c2.id, name: 'sec-2', spec: open, containerDir: c2.dir, cgroupProcs: c2.cgroupProcs });
  await waitExit(c2.dir);
  const out2 = readFileSync(join(c2.dir, 'log'), 'utf8');
  assert.match(out2, /stdout F Seccomp:\s+0/);
  assert.match(out2, /USERNS_OK/, 'without the filter, a user namespace needs no capability');
});

test('a symlink in the image cannot redirect a mount destination to the host', async () => {
  const c = container();
  const hostTarget = join(env.dir, 'escape-target');
  mkdirSync(hostTarget, { recursive: true });
  // an image with /evil -> <absolute host path>; inside the container it must resolve within the rootfs
  const { symlinkSync } = await import('node:fs');
  symlinkSync(hostTarget, join(c.rootfs, 'evil'));
  const spec = buildSpec({ id: c.id, name: 'esc-1', service: service({ command: ['sh', '-c', 'grep -c " /evil/sub\\| ' + hostTarget + '/sub " /proc/self/mountinfo; touch /evil/sub/x && echo WROTE'], tmpfs: ['/evil/sub'] }), image: {}, rootfs: c.rootfs });
  await launch({ id: c.id, name: 'esc-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  const exit = await waitExit(c.dir);
  assert.equal(exit.code, 0);
  assert.deepEqual((await import('node:fs')).readdirSync(hostTarget), [], 'nothing was created on the host');
  assert.ok(existsSync(join(c.rootfs, hostTarget.slice(1), 'sub')), 'the mount point was made inside the rootfs');
  assert.match(readFileSync(join(c.dir, 'log'), 'utf8'), /stdout F WROTE/);
});

test('tty: true gives the app a terminal; its \\r\\n line ends do not reach the log', async () => {
  const r = await run('[ -t 0 ] && [ -t 1 ] && echo TTY; stty size', { tty: true });
  assert.deepEqual(r.out, ['TTY', '24 80']);
  assert.ok(!readFileSync(join(r.c.dir, 'log'), 'utf8').includes('\r'));
});

test('stdin_open keeps stdin open, so a shell waits instead of exiting', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'stdin-1', service: service({ command: ['sh'], stdin_open: true }), image: {}, rootfs: c.rootfs });
  const l = await launch({ id: c.id, name: 'stdin-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(readExit(c.dir), undefined, 'still running');
  kill(l.pid, 'SIGKILL');
  assert.equal((await waitExit(c.dir)).signal, 9);
});

test('exec with a tty runs on a pty of the container\'s own devpts', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'etty-1', service: service({ command: ['sleep', '30'] }), image: {}, rootfs: c.rootfs });
  const l = await launch({ id: c.id, name: 'etty-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  try {
    const r = await execIn({ pid: l.pid, cgroupProcs: c.cgroupProcs, argv: ['sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo TTY; tty; exit 3'], env: ['PATH=/bin'], tty: true, stdio: 'pipe' });
    assert.equal(r.code, 3);
    assert.match(r.stdout ?? '', /TTY\r?\n\/dev\/pts\/0/);
  } finally {
    kill(l.pid, 'SIGKILL');
    await waitExit(c.dir);
  }
});

test('exec with the container dir takes the container\'s env, user, working dir, capabilities and no_new_privs', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'edef-1', service: service({ command: ['sleep', '30'], user: '1000', working_dir: '/tmp', environment: { A: 'from-container', B: 'b' }, security_opt: ['no-new-privileges'] }), image: {}, rootfs: c.rootfs, etc: { passwd: readContainerEtc(c.rootfs, 'passwd'), group: readContainerEtc(c.rootfs, 'group') } });
  const l = await launch({ id: c.id, name: 'edef-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  try {
    const r = await execIn({ pid: l.pid, cgroupProcs: c.cgroupProcs, containerDir: c.dir, argv: ['sh', '-c', 'echo $A $B; id -u; pwd; grep NoNewPrivs /proc/self/status'], env: ['A=overridden'] });
    assert.deepEqual((r.stdout ?? '').trim().split('\n').map((x) => x.replace(/\s+/g, ' ')), ['overridden b', '1000', '/tmp', 'NoNewPrivs: 1']);
  } finally {
    kill(l.pid, 'SIGKILL');
    await waitExit(c.dir);
  }
});

test('without a prepared netns the container gets its own with only lo; with one it joins it by path', async () => {
  const alone = await run('ls /sys/class/net | tr "\\n" " "');
  assert.equal(alone.out[0]?.trim(), 'lo');
  // a namespace prepared ahead of time, as netmgr does: bind-mounted to a file of ours
  const { spawn, execFileSync } = await import('node:child_process');
  const holder = spawn('unshare', ['--net', 'sleep', '30'], { stdio: 'ignore' });
  const nsFile = join(env.run, 'netns-test');
  mkdirSync(env.run, { recursive: true });
  writeFileSync(nsFile, '');
  try {
    await new Promise((r) => setTimeout(r, 100));
    const holderNet = `/proc/${holder.pid}/ns/net`;
    execFileSync('mount', ['--bind', holderNet, nsFile]);
    const { statSync } = await import('node:fs');
    const inode = statSync(nsFile).ino;
    const c = container();
    const spec = buildSpec({ id: c.id, name: 'net-1', service: service({ command: ['sh', '-c', 'readlink /proc/self/ns/net'] }), image: {}, rootfs: c.rootfs });
    await launch({ id: c.id, name: 'net-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs, netnsPath: nsFile });
    await waitExit(c.dir);
    assert.match(readFileSync(join(c.dir, 'log'), 'utf8'), new RegExp(`stdout F net:\\[${inode}\\]`));
  } finally {
    try { execFileSync('umount', [nsFile]); } catch { /* not mounted */ }
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
});

test('pid: service:x joins the other container\'s PID namespace (namespacePaths)', async () => {
  const a = container();
  const specA = buildSpec({ id: a.id, name: 'pida-1', service: service({ command: ['sleep', '30'] }), image: {}, rootfs: a.rootfs });
  const la = await launch({ id: a.id, name: 'pida-1', spec: specA, containerDir: a.dir, cgroupProcs: a.cgroupProcs });
  try {
    const b = container();
    const specB = buildSpec({ id: b.id, name: 'pidb-1', service: service({ command: ['sh', '-c', 'ps -o pid,comm | grep sleep'], pid: 'service:a' }), image: {}, rootfs: b.rootfs, namespacePaths: { pid: `/proc/${la.pid}/ns/pid` } });
    await launch({ id: b.id, name: 'pidb-1', spec: specB, containerDir: b.dir, cgroupProcs: b.cgroupProcs });
    await waitExit(b.dir);
    assert.match(readFileSync(join(b.dir, 'log'), 'utf8'), /stdout F\s+1 sleep/, 'sees the other container\'s PID 1');
  } finally {
    kill(la.pid, 'SIGKILL');
    await waitExit(a.dir);
  }
});

test('the app inherits only stdin, stdout and stderr from the runtime', async () => {
  // `ls` opens the directory itself (one more fd while listing); anything else leaked from Node or the helper
  const r = await run('ls /proc/self/fd | tr "\\n" " "');
  assert.equal(r.out[0]?.trim(), '0 1 2 3');
});

test('a missing or unusable helper binary is a start error naming the container, not a crash', async () => {
  const c = container();
  const spec = buildSpec({ id: c.id, name: 'nohelper-1', service: service({ command: ['true'] }), image: {}, rootfs: c.rootfs });
  const saved = process.env.TSCOMPOSE_HELPER;
  try {
    process.env.TSCOMPOSE_HELPER = join(env.dir, 'no-such-helper');
    await assert.rejects(launch({ id: c.id, name: 'nohelper-1', spec, containerDir: c.dir, cgroupProcs: [] }),
      (e: unknown) => e instanceof ContainerError && e.step === 'start' && /not built/.test(e.message) && /build-native/.test(e.hint ?? ''));
    const notExec = join(env.dir, 'not-executable');
    writeFileSync(notExec, 'x');
    process.env.TSCOMPOSE_HELPER = notExec;
    await assert.rejects(launch({ id: c.id, name: 'nohelper-1', spec, containerDir: c.dir, cgroupProcs: [] }),
      (e: unknown) => e instanceof ContainerError && e.step === 'start' && /EACCES/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.TSCOMPOSE_HELPER; else process.env.TSCOMPOSE_HELPER = saved;
  }
});
