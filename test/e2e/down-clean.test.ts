// Intent: `down` leaves nothing under $TSCOMPOSE_RUN/<project>/ (state, control socket, lock,
// supervisor.log), and the project can be brought up again right after.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { e2eStack } from './cli.ts';

const { e, stack } = e2eStack('down-clean', (e) => `services:
  app:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    restart: always
    stop_grace_period: 0s
`);

test('down removes the project run dir (lock and supervisor.log included); up works again after it', () => {
  const runDir = `${e.run}/${e.project}`;
  for (let round = 0; round < 2; round++) {
    const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
    assert.equal(up.code, 0, up.stderr);
    assert.ok(existsSync(`${runDir}/state.json`));
    const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack });
    assert.equal(down.code, 0, down.stderr);
    assert.equal(existsSync(runDir), false, `left in ${runDir}: ${existsSync(runDir) ? readdirSync(runDir).join(' ') : ''}`);
  }
});
