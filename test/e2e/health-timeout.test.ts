// Intent: a healthcheck probe that runs past its `timeout` is counted as failed AND killed, with
// whatever it started: no probe process stays behind in the container after the check.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { e2eEnv, until } from './cli.ts';

const e = e2eEnv('health-timeout');
const stack = `${e.dir}/stack`;
mkdirSync(stack, { recursive: true });
// interval 2 s: the probe starts at ~2 s, times out at ~3 s, the next one starts at ~5 s — the
// check below runs in between.
writeFileSync(`${stack}/compose.yaml`, `services:
  slow:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 0s
    healthcheck:
      test: ["CMD-SHELL", "echo probing; sleep 30"]
      interval: 2s
      timeout: 1s
      retries: 1
`);
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

interface Row { Service: string; State: string; Health: string }
const health = () => (JSON.parse(e.tsc(['-p', e.project, 'ps', '--format', 'json'], { cwd: stack }).stdout) as Row[])[0]?.Health;
const probes = () => {
  const r = e.tsc(['-p', e.project, 'exec', '-T', 'slow', 'ps', '-o', 'pid,args'], { cwd: stack });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.includes('sleep 30'));
};

test('a probe running past its timeout is counted failed and leaves no process in the container', async () => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);
  // The probe is really running while it is inside its timeout window…
  await until(() => probes().length > 0, 6_000, 'the probe to start');
  // …and once it timed out the container is unhealthy (retries: 1) and the probe is gone.
  await until(() => health() === 'unhealthy', 6_000, 'the timeout to make it unhealthy');
  await until(() => probes().length === 0, 1_000, 'the timed-out probe to be killed');
  const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack });
  assert.equal(down.code, 0, down.stderr);
});
