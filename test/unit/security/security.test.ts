import { test } from 'node:test';
import assert from 'node:assert/strict';
import { securityOf, profileFromJson } from '../../../executor/security/security.ts';
import { compileSeccomp, RET, AUDIT_ARCH_X86_64 } from '../../../executor/security/seccomp.ts';
import { SYSCALLS_X86_64 as NR } from '../../../executor/security/syscalls-x86_64.ts';
import { TscError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';
import { runBpf, seccompData } from './bpf-interpreter.ts';

const svc = (extra: Partial<Service>): Service => ({ environment: {}, labels: {}, depends_on: {}, ...extra }) as Service;
const files: Record<string, string> = {};
const opts = { name: 'web', projectDir: '/proj', readFile: (p: string) => {
  const f = files[p];
  if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
  return f;
} };

test('a plain service gets the default capabilities and the default seccomp profile, and no_new_privs stays off', () => {
  const s = securityOf(svc({}), opts);
  assert.equal(s.capabilities.names.length, 14);
  assert.equal(s.noNewPrivileges, false);
  assert.equal(s.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.deepEqual(s.warnings, []);
});

test('security_opt no-new-privileges is read in every spelling docker accepts', () => {
  for (const o of ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true']) assert.equal(securityOf(svc({ security_opt: [o] }), opts).noNewPrivileges, true, o);
  assert.equal(securityOf(svc({ security_opt: ['no-new-privileges:false'] }), opts).noNewPrivileges, false);
  assert.throws(() => securityOf(svc({ security_opt: ['no-new-privileges=yes'] }), opts), /Invalid value "yes"/);
});

test('seccomp=unconfined and privileged turn the filter off', () => {
  assert.equal(securityOf(svc({ security_opt: ['seccomp=unconfined'] }), opts).seccomp, null);
  assert.equal(securityOf(svc({ security_opt: ['seccomp:unconfined'] }), opts).seccomp, null);
  const p = securityOf(svc({ privileged: true }), opts);
  assert.equal(p.seccomp, null);
  assert.equal(p.capabilities.names.length, 41);
});

test('cap_add SYS_ADMIN brings the mount syscalls into the default profile', () => {
  const s = securityOf(svc({ cap_add: ['SYS_ADMIN'] }), opts);
  const b = compileSeccomp(s.seccomp!);
  assert.equal(runBpf(b, seccompData({ nr: NR.mount!, arch: AUDIT_ARCH_X86_64 })).ret, RET.ALLOW);
});

test('a custom profile file is read relative to the project directory, docker\'s capability conditions resolved', () => {
  files['/proj/sec/profile.json'] = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_CHROOT'] } },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    ],
  });
  const s = securityOf(svc({ security_opt: ['seccomp=sec/profile.json'] }), opts);
  assert.deepEqual(s.seccomp?.syscalls?.map((r) => r.names), [['read', 'write']]);
  const admin = securityOf(svc({ security_opt: ['seccomp=sec/profile.json'], cap_add: ['SYS_ADMIN'] }), opts);
  assert.deepEqual(admin.seccomp?.syscalls?.map((r) => r.names), [['read', 'write'], ['mount']]);
});

test('a missing or malformed profile file is an error naming the path and the service', () => {
  assert.throws(() => securityOf(svc({ security_opt: ['seccomp=/nope.json'] }), opts), /Cannot read the seccomp profile \/nope\.json of service "web"/);
  assert.throws(() => profileFromJson({ syscalls: [] }, [], '/x.json'), /\/x\.json has no defaultAction/);
});

test('unknown options are errors; AppArmor and SELinux options are accepted with a warning', () => {
  assert.throws(() => securityOf(svc({ security_opt: ['seccomp'] }), opts), /needs a value/);
  assert.throws(() => securityOf(svc({ security_opt: ['nonsense=1'] }), opts), (e: unknown) => e instanceof TscError && /Unknown security_opt "nonsense=1" in service "web"/.test(e.message));
  const s = securityOf(svc({ security_opt: ['apparmor=unconfined', 'label=disable', 'systempaths=unconfined'] }), opts);
  assert.equal(s.warnings.length, 2);
  assert.equal(s.systemPathsUnconfined, true);
});
