import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capMask, compactExec, compactRun, encodeTokens, mountFlags, MS } from '../../../executor/runtime/compact.ts';
import { buildSpec } from '../../../executor/runtime/spec.ts';

const spec = () => buildSpec({ id: 'f'.repeat(64), name: 'p-a-1', rootfs: '/r', image: {}, service: {
  environment: { A: '1' }, labels: {}, depends_on: {}, command: ['sh', '-c', 'true'], hostname: 'h',
  ulimits: { nofile: { soft: 10, hard: 20 } }, read_only: true, security_opt: ['no-new-privileges'],
} });

/** Records as [keyword, ...args] by the helper's arities. */
const ARITY: Record<string, number> = { rootfs: 1, ns: 2, mount: 6, dev: 7, link: 2, sysctl: 2, mask: 1, ropath: 1, readonly: 0, hostname: 1,
  domainname: 1, rlimit: 3, oomscore: 1, user: 2, group: 1, caps: 5, nnp: 0, seccomp: 1, cwd: 1, env: 1, arg: 1, cgroup: 1, log: 3,
  exitfile: 1, oomfile: 1, gate: 1, pid: 1, seccompflags: 1, tty: 0, stdin: 0, stdinfd: 1, ttyout: 1 };
function records(t: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < t.length;) {
    const n = ARITY[t[i]!];
    assert.ok(n !== undefined, `unknown keyword ${t[i]}`);
    out.push(t.slice(i, i + n + 1));
    i += n + 1;
  }
  return out;
}

test('mount options become kernel flags, propagation and a data string', () => {
  assert.deepEqual(mountFlags({ destination: '/p', type: 'proc', options: ['nosuid', 'noexec', 'nodev'] }), { flags: MS.NOSUID | MS.NOEXEC | MS.NODEV, prop: 0, data: '' });
  assert.deepEqual(mountFlags({ destination: '/d', type: 'tmpfs', options: ['nosuid', 'mode=755', 'size=65536k'] }), { flags: MS.NOSUID, prop: 0, data: 'mode=755,size=65536k' });
  assert.deepEqual(mountFlags({ destination: '/b', type: 'bind', options: ['rbind', 'ro', 'rslave'] }), { flags: MS.BIND | MS.REC | MS.RDONLY, prop: MS.SLAVE | MS.REC, data: '' });
  assert.deepEqual(mountFlags({ destination: '/b', type: 'none', options: ['bind', 'rw', 'z'] }), { flags: MS.BIND, prop: 0, data: '' });
});

test('a bind type without a bind option is still a recursive bind', () => {
  assert.equal(mountFlags({ destination: '/b', type: 'bind', options: ['ro'] }).flags, MS.BIND | MS.REC | MS.RDONLY);
});

test('capability names become the kernel bitmask', () => {
  assert.equal(capMask(['CAP_CHOWN', 'CAP_KILL']), (1 | (1 << 5)).toString(16));
  assert.equal(capMask(['sys_admin']), (1n << 21n).toString(16));
  assert.equal(capMask([]), '0');
  assert.throws(() => capMask(['CAP_FLY']), /Unknown capability "CAP_FLY"/);
});

test('compactRun emits every record with its arity, in launch order', () => {
  const recs = records(compactRun(spec(), { cgroupProcs: ['/cg/a/cgroup.procs'], logFile: '/c/log', exitFile: '/c/exit.json', netnsPath: '/run/netns/x' }));
  assert.deepEqual(recs[0], ['rootfs', '/r']);
  assert.deepEqual(recs.filter((r) => r[0] === 'ns'), [['ns', 'mnt', ''], ['ns', 'pid', ''], ['ns', 'ipc', ''], ['ns', 'uts', ''], ['ns', 'net', '/run/netns/x'], ['ns', 'cgroup', '']]);
  const kinds = recs.map((r) => r[0]);
  assert.ok(kinds.includes('readonly') && kinds.includes('nnp'));
  assert.deepEqual(recs.find((r) => r[0] === 'rlimit'), ['rlimit', '7', '10', '20']);
  assert.deepEqual(recs.find((r) => r[0] === 'user'), ['user', '0', '0']);
  assert.deepEqual(recs.find((r) => r[0] === 'cgroup'), ['cgroup', '/cg/a/cgroup.procs']);
  assert.deepEqual(recs.find((r) => r[0] === 'log'), ['log', '/c/log', '0', '1']);
  assert.deepEqual(recs.filter((r) => r[0] === 'arg').map((r) => r[1]), ['sh', '-c', 'true']);
  assert.ok(recs.some((r) => r[0] === 'link' && r[2] === '/dev/ptmx'));
  assert.ok(recs.some((r) => r[0] === 'dev' && r[1] === '/dev/null' && r[3] === '1' && r[4] === '3'));
  // the process part comes last: the helper applies it after the filesystem
  assert.equal(kinds.indexOf('user') > kinds.lastIndexOf('mount'), true);
});

test('run -i / -t: the helper fds of the caller\'s stdin and stdout are named only when given', () => {
  const plain = records(compactRun(spec(), { cgroupProcs: [] })).map((r) => r[0]);
  assert.ok(!plain.includes('stdinfd') && !plain.includes('ttyout'));
  const recs = records(compactRun(spec(), { cgroupProcs: [], stdinFd: 5, ttyOutFd: 6 }));
  assert.deepEqual(recs.find((r) => r[0] === 'stdinfd'), ['stdinfd', '5']);
  assert.deepEqual(recs.find((r) => r[0] === 'ttyout'), ['ttyout', '6']);
});

test('an rlimit of 2^63 or more means unlimited', () => {
  const s = spec();
  s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 }];
  assert.deepEqual(records(compactRun(s, { cgroupProcs: [] })).find((r) => r[0] === 'rlimit'), ['rlimit', '4', '18446744073709551615', '18446744073709551615']);
  s.process.rlimits = [{ type: 'RLIMIT_FLY', soft: 1, hard: 1 }];
  assert.throws(() => compactRun(s, { cgroupProcs: [] }), /Unknown rlimit/);
});

test('seccomp bytes travel as hex', () => {
  const recs = records(compactRun(spec(), { cgroupProcs: [], seccomp: Uint8Array.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]) }));
  assert.deepEqual(recs.find((r) => r[0] === 'seccomp'), ['seccomp', '060000000000ff7f']);
  const withFlags = records(compactRun(spec(), { cgroupProcs: [], seccomp: new Uint8Array(8), seccompFlags: 4 }));
  assert.deepEqual(withFlags.find((r) => r[0] === 'seccompflags'), ['seccompflags', '4']);
  assert.throws(() => compactRun(spec(), { cgroupProcs: [], seccomp: new Uint8Array(5) }), /8-byte instructions/);
});

test('compactExec names the target PID and its cgroups before the process', () => {
  const recs = records(compactExec(42, ['/cg/x'], { user: { uid: 5, gid: 6, additionalGids: [7] }, args: ['ls'], env: ['A=1'], cwd: '/w' }));
  assert.deepEqual(recs, [['pid', '42'], ['cgroup', '/cg/x'], ['user', '5', '6'], ['group', '7'], ['cwd', '/w'], ['env', 'A=1'], ['arg', 'ls']]);
});

test('a user namespace is refused for now, and NUL bytes in values are refused', () => {
  const s = spec();
  s.linux.namespaces.push({ type: 'user' });
  assert.throws(() => compactRun(s, { cgroupProcs: [] }), /User namespaces/);
  assert.throws(() => encodeTokens(['env', 'A=\0b']), /NUL/);
  assert.deepEqual([...encodeTokens(['a', 'bc'])], [97, 0, 98, 99, 0]);
});

test('a process without args is refused', () => {
  assert.throws(() => compactExec(1, [], { user: { uid: 0, gid: 0 }, args: [], env: [], cwd: '/' }), /no command/);
});

test('tty and stdin_open reach the helper as records', () => {
  const s = spec();
  s.process.terminal = true;
  s.annotations = { ...s.annotations, 'tscompose.stdin-open': 'true' };
  const kinds = records(compactRun(s, { cgroupProcs: [] })).map((r) => r[0]);
  assert.ok(kinds.includes('tty') && kinds.includes('stdin'));
  assert.ok(!records(compactRun(spec(), { cgroupProcs: [] })).some((r) => r[0] === 'tty' || r[0] === 'stdin'));
});
