import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AUDIT_ARCH_X86_64, RET, actionValue, compileSeccomp, seccompFlags, type SeccompOp, type SeccompProfile } from '../../../executor/security/seccomp.ts';
import { ALLOWED_SYSCALLS, CAPABILITY_SYSCALLS, CLONE_NAMESPACE_FLAGS, defaultSeccompProfile } from '../../../executor/security/seccomp-profile.ts';
import { SYSCALLS_X86_64 as NR } from '../../../executor/security/syscalls-x86_64.ts';
import { capabilitiesOf } from '../../../executor/security/capabilities.ts';
import { runBpf, seccompData } from './bpf-interpreter.ts';

const EPERM = (RET.ERRNO | 1) >>> 0;
const ENOSYS = (RET.ERRNO | 38) >>> 0;
const defaultCaps = capabilitiesOf({}).names;
const prog = compileSeccomp(defaultSeccompProfile(defaultCaps));
const run = (p: Buffer, nr: number, args: (number | bigint)[] = [], arch = AUDIT_ARCH_X86_64) => runBpf(p, seccompData({ nr, arch, args })).ret;
const call = (name: string, args: (number | bigint)[] = [], p = prog) => run(p, NR[name]!, args);

test('the program is a whole number of sock_filter structs and fits the kernel limit', () => {
  assert.equal(prog.length % 8, 0);
  assert.ok(prog.length / 8 <= 4096, `${prog.length / 8} instructions`);
});

test('any architecture but x86_64 kills the process, and so does the x32 ABI', () => {
  const AUDIT_ARCH_I386 = 0x40000003;
  assert.equal(run(prog, NR.read!, [], AUDIT_ARCH_I386), RET.KILL_PROCESS);
  assert.equal(run(prog, 0x40000000 | NR.read!), RET.KILL_PROCESS);
});

test('every syscall of the allow-list is allowed', () => {
  for (const name of ALLOWED_SYSCALLS) assert.equal(call(name), RET.ALLOW, name);
});

test('syscalls that reach beyond the container fail with EPERM under the default capabilities', () => {
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'pivot_root', 'keyctl', 'add_key', 'init_module', 'reboot', 'bpf',
    'perf_event_open', 'settimeofday', 'clock_settime', 'swapon', 'io_uring_setup', 'kexec_load', 'open_by_handle_at', 'iopl', 'acct']) {
    assert.equal(call(name), EPERM, name);
  }
});

test('a syscall number nobody listed gets the default action', () => {
  assert.equal(run(prog, 999), EPERM);
  assert.equal(run(prog, 0x3fffffff), EPERM);
});

test('capability-governed syscalls come back with their capability', () => {
  const admin = compileSeccomp(defaultSeccompProfile([...defaultCaps, 'CAP_SYS_ADMIN']));
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'bpf', 'perf_event_open']) assert.equal(call(name, [], admin), RET.ALLOW, name);
  assert.equal(call('reboot', [], admin), EPERM, 'SYS_ADMIN does not bring reboot');
  const time = compileSeccomp(defaultSeccompProfile([...defaultCaps, 'CAP_SYS_TIME']));
  assert.equal(call('settimeofday', [], time), RET.ALLOW);
  assert.equal(call('mount', [], time), EPERM);
  // Default caps include SYS_CHROOT, so chroot is allowed; dropping the capability takes it away.
  assert.equal(call('chroot'), RET.ALLOW);
  assert.equal(call('chroot', [], compileSeccomp(defaultSeccompProfile(capabilitiesOf({ cap_drop: ['SYS_CHROOT'] }).names))), EPERM);
  for (const g of CAPABILITY_SYSCALLS) {
    const p = compileSeccomp(defaultSeccompProfile(g.caps));
    for (const name of g.names) assert.equal(call(name, [], p), RET.ALLOW, `${name} with ${g.caps.join('|')}`);
  }
});

test('clone is allowed for threads and processes but not with a namespace flag', () => {
  const CLONE_VM = 0x100, CLONE_THREAD = 0x10000, SIGCHLD = 17;
  assert.equal(call('clone', [SIGCHLD]), RET.ALLOW);
  assert.equal(call('clone', [CLONE_VM | CLONE_THREAD | 0x3d0f00]), RET.ALLOW);
  for (const f of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
    assert.equal(call('clone', [SIGCHLD | f]), EPERM, `flag 0x${f.toString(16)}`);
  }
  const admin = compileSeccomp(defaultSeccompProfile([...defaultCaps, 'CAP_SYS_ADMIN']));
  assert.equal(call('clone', [SIGCHLD | CLONE_NAMESPACE_FLAGS], admin), RET.ALLOW);
});

test('clone3 answers ENOSYS so that libc falls back to clone', () => {
  assert.equal(call('clone3'), ENOSYS);
  assert.equal(call('clone3', [], compileSeccomp(defaultSeccompProfile(['CAP_SYS_ADMIN']))), RET.ALLOW);
});

test('personality accepts only the harmless values, compared on all 64 bits', () => {
  for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) assert.equal(call('personality', [v]), RET.ALLOW, String(v));
  assert.equal(call('personality', [0x0040000]), EPERM, 'ADDR_NO_RANDOMIZE');
  assert.equal(call('personality', [(1n << 32n) | 8n]), EPERM, 'high bits set');
});

test('socket is allowed for every family but AF_VSOCK', () => {
  assert.equal(call('socket', [2, 1, 0]), RET.ALLOW);
  assert.equal(call('socket', [1, 1, 0]), RET.ALLOW);
  assert.equal(call('socket', [40, 1, 0]), EPERM);
});

test('a lookup walks a search tree, not the whole list', () => {
  let worst = 0;
  for (let nr = 0; nr < 470; nr++) worst = Math.max(worst, runBpf(prog, seccompData({ nr, arch: AUDIT_ARCH_X86_64, args: [0x11] })).steps);
  assert.ok(worst < 60, `worst path ${worst} instructions`);
});

/** The profile's meaning, evaluated directly: first matching rule (conditional before unconditional), else the default. */
function reference(p: SeccompProfile, nr: number, args: bigint[]): number {
  const rules = (p.syscalls ?? []).filter((r) => r.names.some((n) => NR[n] === nr));
  const ordered = [...rules.filter((r) => r.args?.length), ...rules.filter((r) => !r.args?.length)];
  for (const r of ordered) {
    const ok = (r.args ?? []).every((c) => {
      const a = args[c.index] ?? 0n;
      const v = BigInt.asUintN(64, BigInt(c.value));
      switch (c.op) {
        case 'SCMP_CMP_EQ': return a === v;
        case 'SCMP_CMP_NE': return a !== v;
        case 'SCMP_CMP_LT': return a < v;
        case 'SCMP_CMP_LE': return a <= v;
        case 'SCMP_CMP_GT': return a > v;
        case 'SCMP_CMP_GE': return a >= v;
        case 'SCMP_CMP_MASKED_EQ': return (a & v) === BigInt.asUintN(64, BigInt(c.valueTwo ?? 0));
      }
    });
    if (ok) return actionValue(r.action, r.errnoRet);
  }
  return actionValue(p.defaultAction, p.defaultErrnoRet);
}

const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, (1n << 64n) - 1n));
const ops: SeccompOp[] = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];

test('each comparison operator agrees with 64-bit arithmetic, at the word boundaries too', () => {
  fc.assert(fc.property(fc.constantFrom(...ops), fc.integer({ min: 0, max: 5 }), u64, u64, u64, fc.boolean(), (op, index, value, datum, arg, inMask) => {
    // For MASKED_EQ a datum outside the mask can never match: mostly pick one inside it.
    const valueTwo = inMask ? datum & value : datum;
    const p: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index, value, valueTwo, op }] }] };
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    args[index] = arg;
    // Near-equal values exercise the high/low word split; `arg` with the datum's bits in place matches a mask.
    const matching = (arg & ~value) | valueTwo;
    for (const a of [arg, value, value + 1n, value - 1n, matching, matching ^ (1n << 40n), matching ^ 1n].map((x) => BigInt.asUintN(64, x))) {
      args[index] = a;
      assert.equal(run(compileSeccomp(p), NR.ioctl!, args), reference(p, NR.ioctl!, args), `${op} ${a} vs ${value}/${valueTwo}`);
    }
  }), { numRuns: 300 });
});

test('the compiled default profile means exactly what the profile says, for every syscall number', () => {
  const profile = defaultSeccompProfile(defaultCaps);
  fc.assert(fc.property(fc.integer({ min: 0, max: 470 }), fc.array(u64, { minLength: 6, maxLength: 6 }), (nr, args) => {
    assert.equal(run(prog, nr, args), reference(profile, nr, args));
  }), { numRuns: 2000 });
  for (let nr = 0; nr <= 470; nr++) assert.equal(run(prog, nr, [17n]), reference(profile, nr, [17n]), `nr ${nr}`);
});

test('several conditions on one rule must all hold, and several rules for one syscall are alternatives', () => {
  const p: SeccompProfile = {
    defaultAction: 'SCMP_ACT_KILL_PROCESS',
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 100, op: 'SCMP_CMP_GT' }, { index: 1, value: 9, op: 'SCMP_CMP_NE' }] },
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: ['getpid'], action: 'SCMP_ACT_LOG' },
      { names: ['not_a_syscall_here', 'getppid'], action: 'SCMP_ACT_TRAP' },
    ],
  };
  const unknown: string[] = [];
  const b = compileSeccomp(p, { onUnknownSyscall: (n) => unknown.push(n) });
  assert.deepEqual(unknown, ['not_a_syscall_here']);
  assert.equal(call('kill', [200, 15], b), RET.ALLOW);
  assert.equal(call('kill', [200, 9], b), (RET.ERRNO | 13) >>> 0);
  assert.equal(call('kill', [50, 15], b), RET.KILL_PROCESS);
  assert.equal(call('getpid', [], b), RET.LOG);
  assert.equal(call('getppid', [], b), RET.TRAP);
  assert.equal(call('read', [], b), RET.KILL_PROCESS);
});

test('a profile for another architecture, a bad argument index or an unknown flag is refused', () => {
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_AARCH64'] }), /not SCMP_ARCH_X86_64/);
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }), /index 6/);
  assert.equal(seccompFlags({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }), 6);
  assert.throws(() => seccompFlags({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['NOPE'] }), /Unknown seccomp flag/);
});
