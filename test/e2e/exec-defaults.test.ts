// Intent: `exec` and healthcheck probes run with the container's own defaults, as `docker exec`
// does: its user and environment, and also its capabilities, seccomp filter and no_new_privs
// (read from the container's config.json), so a probe can never do more than PID 1 could.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eStack } from './cli.ts';

const { e, stack } = e2eStack('exec-defaults', (e) => `services:
  app:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    user: "1000"
    working_dir: /tmp
    environment:
      GREETING: hello-from-env
    stop_grace_period: 0s
  rooted:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    cap_drop: [NET_RAW, CHOWN]
    security_opt: ["no-new-privileges:true"]
    stop_grace_period: 0s
`);

const STATUS = /^(Seccomp|NoNewPrivs|CapBnd|CapEff):\s*(\S+)/gm;
const fields = (text: string) => Object.fromEntries([...text.matchAll(STATUS)].map((m) => [m[1], m[2]]));
const script = 'id -u; echo "$GREETING"; pwd; cat /proc/self/status; echo ---; cat /proc/1/status';

test('exec runs with the container user, environment, working dir, capabilities, seccomp filter and no_new_privs', () => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);

  const ex = e.tsc(['-p', e.project, 'exec', '-T', 'app', 'sh', '-c', script], { cwd: stack });
  assert.equal(ex.code, 0, ex.stderr);
  const [mine = '', pid1 = ''] = ex.stdout.split('---\n');
  const [uid, greeting, cwd] = mine.split('\n');
  assert.equal(uid, '1000');
  assert.equal(greeting, 'hello-from-env');
  assert.equal(cwd, '/tmp');
  assert.equal(fields(pid1).Seccomp, '2', 'PID 1 runs under the default seccomp filter');
  assert.deepEqual(fields(mine), fields(pid1));

  const ex2 = e.tsc(['-p', e.project, 'exec', '-T', 'rooted', 'sh', '-c', script], { cwd: stack });
  assert.equal(ex2.code, 0, ex2.stderr);
  const [mine2 = '', pid12 = ''] = ex2.stdout.split('---\n');
  assert.equal(mine2.split('\n')[0], '0');
  assert.equal(fields(pid12).NoNewPrivs, '1');
  assert.deepEqual(fields(mine2), fields(pid12));

  const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack });
  assert.equal(down.code, 0, down.stderr);
});
