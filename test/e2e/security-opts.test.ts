// Intent: `privileged: true` gives the container the host's devices, and
// `security_opt: [seccomp=PATH]` loads that profile (relative to the project dir) instead of the
// default one — both reach the spec the supervisor builds, on real containers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { e2eEnv } from './cli.ts';

const e = e2eEnv('security-opts');
const stack = `${e.dir}/stack`;
mkdirSync(stack, { recursive: true });
// Allow everything except mkdir/mkdirat (EPERM): visible from a shell, harmless otherwise.
writeFileSync(`${stack}/no-mkdir.json`, JSON.stringify({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
}));
writeFileSync(`${stack}/compose.yaml`, `services:
  priv:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    privileged: true
    stop_grace_period: 0s
  filtered:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    security_opt: ["seccomp=./no-mkdir.json"]
    stop_grace_period: 0s
`);
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

const sh = (svc: string, script: string) => e.tsc(['-p', e.project, 'exec', '-T', svc, 'sh', '-c', script], { cwd: stack });

test('privileged sees the host devices; seccomp=PATH applies the profile from the project dir', (t) => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);

  if (!existsSync('/dev/loop-control')) t.diagnostic('no /dev/loop-control on this host: only checking /dev/kmsg');
  const devs = sh('priv', 'ls /dev').stdout.split(/\s+/);
  for (const d of ['kmsg', ...(existsSync('/dev/loop-control') ? ['loop-control'] : [])]) assert.ok(devs.includes(d), `privileged /dev has ${d}: ${devs.join(' ')}`);
  assert.equal(sh('filtered', 'ls /dev').stdout.split(/\s+/).includes('kmsg'), false);

  const mk = sh('filtered', 'mkdir /tmp/x');
  assert.notEqual(mk.code, 0);
  assert.match(mk.stderr, /Operation not permitted/);
  assert.equal(sh('priv', 'mkdir /tmp/x').code, 0);

  const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack });
  assert.equal(down.code, 0, down.stderr);
});
