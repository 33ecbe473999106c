// Intent: the supervisor applies restart policies to real containers (their waiters report the
// exits), never revives what the user stopped, and turns a failing healthcheck into "unhealthy".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { e2eStack, until } from './cli.ts';

const { e, stack } = e2eStack('restart', (e) => `services:
  flaky:
    image: tscompose-test/busybox:latest
    command: ["sh", "-c", "echo run; sleep 0.3; exit 3"]
    restart: on-failure:2
  steady:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    restart: always
    stop_grace_period: 0s
  sick:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 0s
    healthcheck:
      test: ["CMD-SHELL", "echo probing; exit 1"]
      interval: 300ms
      retries: 2
`);

interface Row { Service: string; State: string; Health: string; ExitCode: number }
const ps = () => JSON.parse(e.tsc(['-p', e.project, 'ps', '-a', '--format', 'json'], { cwd: stack }).stdout) as Row[];
const row = (svc: string) => ps().find((r) => r.Service === svc);

test('on-failure:2 restarts twice then gives up; always does not revive a stopped container; a failing probe makes it unhealthy', async () => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);
  // three runs in all (the first and two restarts), each logging "run", then it stays exited 3
  await until(() => {
    const r = row('flaky');
    const runs = e.tsc(['-p', e.project, 'logs', '--no-log-prefix', 'flaky'], { cwd: stack }).stdout.trim().split('\n').filter((l) => l === 'run').length;
    return r?.State === 'exited' && runs === 3 ? r : undefined;
  }, 20_000, 'flaky to give up after 2 restarts');
  const state = JSON.parse(readFileSync(`${e.run}/${e.project}/state.json`, 'utf8')) as { containers: Record<string, { service: string; restartCount: number }> };
  assert.equal(Object.values(state.containers).find((c) => c.service === 'flaky')?.restartCount, 2);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(row('flaky')?.ExitCode, 3);

  await until(() => row('sick')?.Health === 'unhealthy', 10_000, 'sick to turn unhealthy');

  assert.equal(e.tsc(['-p', e.project, 'stop', 'steady'], { cwd: stack }).code, 0);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(row('steady')?.State, 'exited', 'restart: always does not bring back a container the user stopped');
});
