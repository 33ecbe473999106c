import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES } from '../../../executor/security/capabilities.ts';
import { securityOf } from '../../../executor/security/security.ts';
import { buildSpec, processArgs, processEnv, tmpfsString, MASKED_PATHS, READONLY_PATHS, INIT_TARGET, type SpecInput } from '../../../executor/runtime/spec.ts';
import { TscError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';

const ID = 'abcdef0123456789'.repeat(4);
const ETC = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
  group: 'root:x:0:\nwheel:x:10:app\napp:x:1000:\ndocker:x:999:\n',
};
const svc = (s: Partial<Service> = {}): Service => ({ environment: {}, labels: {}, depends_on: {}, image: 'x', ...s });
const input = (s: Partial<Service> = {}, more: Partial<SpecInput> = {}): SpecInput =>
  ({ id: ID, name: 'p-web-1', service: svc(s), image: { Cmd: ['sh'] }, rootfs: '/r', etc: ETC, ...more });

test('command replaces the image Cmd and keeps the image Entrypoint', () => {
  assert.deepEqual(processArgs(svc({ command: ['b'] }), { Entrypoint: ['/e'], Cmd: ['a'] }), ['/e', 'b']);
});

test('an entrypoint set by the service drops the image Cmd, as docker does', () => {
  assert.deepEqual(processArgs(svc({ entrypoint: ['/x'] }), { Entrypoint: ['/e'], Cmd: ['a'] }), ['/x']);
  assert.deepEqual(processArgs(svc({ entrypoint: ['/x'], command: ['c'] }), { Entrypoint: ['/e'], Cmd: ['a'] }), ['/x', 'c']);
});

test('an empty entrypoint clears the image Entrypoint', () => {
  assert.deepEqual(processArgs(svc({ entrypoint: [], command: ['ls'] }), { Entrypoint: ['/e'], Cmd: ['a'] }), ['ls']);
  assert.deepEqual(processArgs(svc({ entrypoint: null }), { Entrypoint: ['/e'], Cmd: ['a'] }), []);
});

test('without overrides the image Entrypoint and Cmd run', () => {
  assert.deepEqual(processArgs(svc(), { Entrypoint: ['/e'], Cmd: ['a', 'b'] }), ['/e', 'a', 'b']);
});

test('environment overrides image Env; PATH, HOSTNAME and HOME get docker defaults', () => {
  const env = processEnv(svc({ environment: { A: '2', B: 'x', N: null } }), { Env: ['A=1', 'PATH=/img/bin'] }, 'h1', '/home/app');
  assert.deepEqual(env, ['PATH=/img/bin', 'HOSTNAME=h1', 'A=2', 'B=x', 'HOME=/home/app']);
});

test('TERM=xterm is set with a tty unless given', () => {
  assert.ok(processEnv(svc({ tty: true }), {}, 'h', '/').includes('TERM=xterm'));
  assert.ok(!processEnv(svc({ tty: true, environment: { TERM: 'dumb' } }), {}, 'h', '/').includes('TERM=xterm'));
});

test('working dir, user and hostname come from the service, else the image, else defaults', () => {
  const a = buildSpec(input({}, { image: { Cmd: ['sh'], WorkingDir: '/srv', User: 'app' } }));
  assert.equal(a.process.cwd, '/srv');
  assert.deepEqual(a.process.user, { uid: 1000, gid: 1000, additionalGids: [10] });
  assert.equal(a.hostname, ID.slice(0, 12));
  const b = buildSpec(input({ working_dir: '/w', user: '0:0', hostname: 'web' }, { image: { Cmd: ['sh'], WorkingDir: '/srv', User: 'app' } }));
  assert.equal(b.process.cwd, '/w');
  assert.deepEqual(b.process.user, { uid: 0, gid: 0, additionalGids: [] });
  assert.equal(b.hostname, 'web');
});

test('group_add resolves names in the container /etc/group and accepts numbers', () => {
  const s = buildSpec(input({ user: 'app', group_add: ['docker', '4242'] }));
  assert.deepEqual(s.process.user.additionalGids, [10, 999, 4242]);
});

test('an unknown group in group_add is a clear error', () => {
  assert.throws(() => buildSpec(input({ group_add: ['nosuch'] })), /group "nosuch"/);
});

test('a missing command is an error that names the container', () => {
  assert.throws(() => buildSpec(input({}, { image: {} })), (e: unknown) => e instanceof TscError && /p-web-1.*command/.test(e.message));
});

test('default capabilities are docker\'s set; cap_add and cap_drop adjust it', () => {
  const d = buildSpec(input());
  assert.deepEqual([...d.process.capabilities!.effective!].sort(), [...DEFAULT_CAPABILITIES].sort());
  assert.deepEqual(d.process.capabilities?.inheritable, []);
  const c = buildSpec(input({ cap_add: ['NET_ADMIN'], cap_drop: ['CHOWN', 'cap_kill'] })).process.capabilities!;
  assert.ok(c.effective!.includes('CAP_NET_ADMIN'));
  assert.ok(!c.effective!.includes('CAP_CHOWN') && !c.effective!.includes('CAP_KILL'));
  const none = buildSpec(input({ cap_drop: ['ALL'], cap_add: ['NET_BIND_SERVICE'] })).process.capabilities!;
  assert.deepEqual(none.bounding, ['CAP_NET_BIND_SERVICE']);
});

test('with executor/security\'s settings: its capabilities, no_new_privs, seccomp profile and systempaths', () => {
  const svc = { cap_drop: ['ALL'], cap_add: ['KILL'], security_opt: ['no-new-privileges', 'systempaths=unconfined', 'apparmor=x'] };
  const security = securityOf({ environment: {}, labels: {}, depends_on: {}, ...svc }, { name: 'web', projectDir: '/p', readFile: () => '' });
  const warnings: string[] = [];
  const s = buildSpec(input(svc, { security, onWarning: (w) => warnings.push(w) }));
  assert.deepEqual(s.process.capabilities!.permitted, ['CAP_KILL']);
  assert.equal(s.process.noNewPrivileges, true);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.equal((s.linux.seccomp as { defaultAction: string }).defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.annotations?.['tscompose.seccomp'], 'default');
  assert.equal(warnings.length, 1);
  const unconfined = securityOf({ environment: {}, labels: {}, depends_on: {}, security_opt: ['seccomp=unconfined'] }, { name: 'web', projectDir: '/p', readFile: () => '' });
  const u = buildSpec(input({}, { security: unconfined }));
  assert.equal(u.linux.seccomp, undefined);
  assert.equal(u.annotations?.['tscompose.seccomp'], 'unconfined');
});

test('privileged gets every capability, writable /sys, no masked or read-only paths, no seccomp', () => {
  const p = buildSpec(input({ privileged: true }));
  assert.ok(p.process.capabilities!.effective!.includes('CAP_SYS_ADMIN'));
  assert.equal(p.process.capabilities!.effective!.length, 41);
  assert.deepEqual(p.linux.maskedPaths, []);
  assert.deepEqual(p.linux.readonlyPaths, []);
  assert.ok(p.mounts.find((m) => m.destination === '/sys')!.options!.includes('rw'));
  assert.equal(p.annotations?.['tscompose.seccomp'], 'unconfined');
});

test('masked and read-only paths are docker\'s', () => {
  const s = buildSpec(input());
  assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
  assert.ok(s.linux.maskedPaths!.includes('/proc/kcore'));
  assert.deepEqual(s.linux.readonlyPaths, READONLY_PATHS);
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
});

test('security_opt: no-new-privileges in its spellings, seccomp=unconfined, others warned about', () => {
  for (const o of ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true']) {
    assert.equal(buildSpec(input({ security_opt: [o] })).process.noNewPrivileges, true, o);
  }
  assert.equal(buildSpec(input({ security_opt: ['no-new-privileges:false'] })).process.noNewPrivileges, false);
  assert.equal(buildSpec(input({ security_opt: ['seccomp=unconfined'] })).annotations?.['tscompose.seccomp'], 'unconfined');
  assert.equal(buildSpec(input()).annotations?.['tscompose.seccomp'], 'default');
  const warnings: string[] = [];
  buildSpec(input({ security_opt: ['apparmor=x'] }, { onWarning: (m) => warnings.push(m) }));
  assert.match(warnings[0] ?? '', /security_opt "apparmor=x" has no effect/);
  assert.throws(() => buildSpec(input({ security_opt: ['bogus'] })), /security_opt.*Unknown security_opt "bogus"/);
  // the default seccomp profile is in the spec unless unconfined or privileged
  assert.equal((buildSpec(input()).linux.seccomp as { defaultAction: string }).defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(buildSpec(input({ privileged: true })).linux.seccomp, undefined);
  assert.throws(() => buildSpec(input({ security_opt: ['seccomp=./custom.json'] })), /needs SpecInput.security/);
});

test('namespaces: all new by default; host modes leave one out; paths join', () => {
  const d = buildSpec(input()).linux.namespaces.map((n) => n.type);
  assert.deepEqual(d, ['mount', 'pid', 'ipc', 'uts', 'network', 'cgroup']);
  const h = buildSpec(input({ network_mode: 'host', pid: 'host', ipc: 'host' })).linux.namespaces.map((n) => n.type);
  assert.deepEqual(h, ['mount', 'uts', 'cgroup']);
  const j = buildSpec(input({ pid: 'service:db' }, { namespacePaths: { pid: '/proc/7/ns/pid', network: '/run/x/netns/a' } })).linux.namespaces;
  assert.deepEqual(j.find((n) => n.type === 'pid'), { type: 'pid', path: '/proc/7/ns/pid' });
  assert.deepEqual(j.find((n) => n.type === 'network'), { type: 'network', path: '/run/x/netns/a' });
});

test('ulimits become rlimits; above the host hard limit is an error, not a clamp', () => {
  const s = buildSpec(input({ ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 10, hard: 10 } } }, { hostHardLimits: { nofile: 20000 } }));
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 2048, soft: 1024 }, { type: 'RLIMIT_NPROC', hard: 10, soft: 10 }]);
  assert.throws(() => buildSpec(input({ ulimits: { nofile: { soft: 30000, hard: 30000 } } }, { hostHardLimits: { nofile: 20000 } })),
    /ulimits\.nofile: hard limit 30000 is above the host's hard limit 20000/);
  assert.throws(() => buildSpec(input({ ulimits: { nofile: { soft: 3, hard: 2 } } })), /soft limit 3 is above the hard limit 2/);
});

test('sysctls: namespaced ones pass, host-wide ones are refused, net.* refused with host network', () => {
  const s = buildSpec(input({ sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '100', 'fs.mqueue.msg_max': '20' } }));
  assert.deepEqual(s.linux.sysctl, { 'fs.mqueue.msg_max': '20', 'kernel.shmmax': '100', 'net.ipv4.ip_forward': '1' });
  assert.throws(() => buildSpec(input({ sysctls: { 'vm.swappiness': '1' } })), /sysctls\.vm\.swappiness: not a namespaced sysctl/);
  assert.throws(() => buildSpec(input({ network_mode: 'host', sysctls: { 'net.core.somaxconn': '1' } })), /network_mode: host/);
});

test('oom_score_adj, domainname and read_only map to the spec', () => {
  const s = buildSpec(input({ oom_score_adj: 500, domainname: 'example.org', read_only: true }));
  assert.equal(s.process.oomScoreAdj, 500);
  assert.equal(s.domainname, 'example.org');
  assert.equal(s.root.readonly, true);
});

test('the standard mounts are docker\'s; shm_size sizes /dev/shm', () => {
  const s = buildSpec(input({ shm_size: 1 << 27 }));
  assert.deepEqual(s.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/dev/mqueue', '/dev/shm']);
  assert.ok(s.mounts[5]!.options!.includes(`size=${1 << 27}`));
  assert.ok(buildSpec(input()).mounts[5]!.options!.includes(`size=${64 << 20}`));
});

test('default devices are null, zero, full, random, urandom and tty; devices: adds host devices', () => {
  const s = buildSpec(input({ devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }] }, { devices: { '/dev/fuse': { type: 'c', major: 10, minor: 229 } } }));
  assert.deepEqual(s.linux.devices!.map((d) => d.path), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse']);
  assert.deepEqual(s.linux.devices![6], { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 });
  assert.throws(() => buildSpec(input({ devices: [{ source: '/dev/nope', target: '/dev/nope', permissions: 'rwm' }] })), /"\/dev\/nope" is not a device/);
});

test('bind volumes: rw/ro and propagation; relative or unknown propagation is refused', () => {
  const s = buildSpec(input({ volumes: [
    { type: 'bind', source: '/h/a', target: '/a' },
    { type: 'bind', source: '/h/b', target: '/b', read_only: true, bind: { propagation: 'rshared' } },
  ] }));
  const user = s.mounts.slice(6);
  assert.deepEqual(user, [
    { destination: '/a', type: 'bind', source: '/h/a', options: ['rbind', 'rw', 'rprivate'] },
    { destination: '/b', type: 'bind', source: '/h/b', options: ['rbind', 'ro', 'rshared'] },
  ]);
  assert.throws(() => buildSpec(input({ volumes: [{ type: 'bind', source: 'rel', target: '/a' }] })), /absolute host path/);
  assert.throws(() => buildSpec(input({ volumes: [{ type: 'bind', source: '/h', target: '/a', bind: { propagation: 'weird' } }] })), /propagation "weird"/);
});

test('named and anonymous volumes bind their prepared dirs; subpath stays inside', () => {
  const s = buildSpec(input({ volumes: [
    { type: 'volume', source: 'data', target: '/data' },
    { type: 'volume', target: '/anon' },
    { type: 'volume', source: 'data', target: '/sub', volume: { subpath: 'x/y' }, read_only: true },
  ] }, { volumes: { data: '/v/p_data/_data' }, anonymousVolumes: { '/anon': '/v/abc/_data', '/img-vol': '/v/def/_data' } }));
  assert.deepEqual(s.mounts.slice(6).map((m) => [m.destination, m.source, m.options![1] ?? '']), [
    ['/data', '/v/p_data/_data', 'rw'], ['/anon', '/v/abc/_data', 'rw'], ['/sub', '/v/p_data/_data/x/y', 'ro'], ['/img-vol', '/v/def/_data', 'rprivate'],
  ]);
  assert.throws(() => buildSpec(input({ volumes: [{ type: 'volume', source: 'data', target: '/d', volume: { subpath: '../../etc' } }] }, { volumes: { data: '/v' } })), /inside the volume/);
  assert.throws(() => buildSpec(input({ volumes: [{ type: 'volume', source: 'other', target: '/d' }] })), /volume "other" is not prepared/);
});

test('tmpfs volumes and tmpfs: strings get size and mode', () => {
  const s = buildSpec(input({ volumes: [{ type: 'tmpfs', target: '/t', tmpfs: { size: 1048576, mode: 0o1777 } }], tmpfs: ['/run', '/cache:size=10mb,mode=700'] }));
  assert.deepEqual(s.mounts.slice(6), [
    { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rw', 'size=1048576', 'mode=1777'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec'] },
    { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=10m', 'mode=700'] },
  ]);
  assert.deepEqual(tmpfsString('/x:size=1g').options, ['nosuid', 'nodev', 'noexec', 'size=1g']);
});

test('volumes_from copies the other container\'s mounts with the requested mode; own targets win', () => {
  const s = buildSpec(input({ volumes: [{ type: 'bind', source: '/mine', target: '/shared' }] }, { volumesFrom: [{ readOnly: true, mounts: [
    { destination: '/shared', type: 'bind', source: '/theirs', options: ['rbind', 'rw'] },
    { destination: '/logs', type: 'bind', source: '/v/logs', options: ['rbind', 'rw', 'rprivate'] },
  ] }] }));
  assert.deepEqual(s.mounts.slice(6).map((m) => [m.destination, m.source, m.options]), [
    ['/shared', '/mine', ['rbind', 'rw', 'rprivate']],
    ['/logs', '/v/logs', ['rbind', 'rprivate', 'ro']],
  ]);
});

test('init: true bind-mounts the init read-only and runs the command under it', () => {
  const s = buildSpec(input({ init: true, command: ['sleep', '1'] }, { initPath: '/usr/bin/tini-static' }));
  assert.deepEqual(s.process.args, [INIT_TARGET, '--', 'sleep', '1']);
  assert.deepEqual(s.mounts.at(-1), { destination: INIT_TARGET, type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro', 'nosuid', 'nodev'] });
  assert.throws(() => buildSpec(input({ init: true })), /init/);
});

test('with uts: host no hostname is set (it would rename the host), and asking for one is an error', () => {
  const s = buildSpec(input({ uts: 'host' }));
  assert.equal(s.hostname, undefined);
  assert.ok(!s.process.env.some((e) => e.startsWith('HOSTNAME=')));
  assert.ok(!s.linux.namespaces.some((n) => n.type === 'uts'));
  assert.throws(() => buildSpec(input({ uts: 'host', hostname: 'x' })), /uts: host/);
});

test('IPC sysctls are refused with ipc: host', () => {
  assert.throws(() => buildSpec(input({ ipc: 'host', sysctls: { 'kernel.shmmax': '1' } })), /ipc: host/);
});

test('privileged gets the host devices it is given; without privileged they are ignored', () => {
  const hostDevices = [{ path: '/dev/fuse', type: 'c' as const, major: 10, minor: 229 }, { path: '/dev/null', type: 'c' as const, major: 1, minor: 3 }];
  const p = buildSpec(input({ privileged: true }, { hostDevices }));
  assert.ok(p.linux.devices!.some((d) => d.path === '/dev/fuse'));
  assert.equal(p.linux.devices!.filter((d) => d.path === '/dev/null').length, 1);
  assert.ok(!buildSpec(input({}, { hostDevices })).linux.devices!.some((d) => d.path === '/dev/fuse'));
});
