// Intent: `up -d` hands the project its client loaded to the detached supervisor (cli/handover.ts)
// instead of the supervisor loading the stack file again. What a user sees must not change: an
// error the supervisor's planner finds still names the stack file's line (origins are reloaded in
// the supervisor when an error asks), the stack runs, and no hand-over file is left in the run dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { e2eStack } from './cli.ts';

const { e, stack } = e2eStack('sup-handover', (e) => `services:
  app:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 0s

  fixed:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    container_name: ${e.project}-the-one
    stop_grace_period: 0s
`);

const handoverFiles = () => readdirSync(e.run).filter((f) => f.startsWith('.project-'));

test('a planner error in the supervisor names the stack file line (origins reloaded on demand)', () => {
  const up = e.tsc(['-p', e.project, 'up', '-d', '--scale', 'fixed=2'], { cwd: stack });
  assert.equal(up.code, 15, up.stderr);
  assert.match(up.stderr, /compose\.yaml:10(:\d+)?: services\.fixed\.container_name: service "fixed" has container_name/);
  assert.deepEqual(handoverFiles(), []);
});

test('up -d runs the handed-over project; nothing of the hand-over is left', () => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);
  const ps = e.tsc(['-p', e.project, 'ps', '--format', 'json'], { cwd: stack });
  assert.equal(ps.code, 0, ps.stderr);
  const names = ps.stdout.trim().split('\n').filter(Boolean).flatMap((l) => {
    const v = JSON.parse(l) as { Name: string } | { Name: string }[];
    return Array.isArray(v) ? v.map((x) => x.Name) : [v.Name];
  }).sort();
  assert.deepEqual(names, [`${e.project}-app-1`, `${e.project}-the-one`]);
  assert.deepEqual(handoverFiles(), []);
  // This supervisor was started with a hand-over (its initial environment names the file).
  const state = JSON.parse(readFileSync(`${e.run}/${e.project}/state.json`, 'utf8')) as { supervisor?: { pid: number } };
  assert.ok(state.supervisor?.pid);
  const environ = readFileSync(`/proc/${state.supervisor.pid}/environ`, 'utf8');
  assert.ok(environ.includes('TSCOMPOSE_PROJECT_HANDOVER='), 'the supervisor was started with a hand-over');
  const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack });
  assert.equal(down.code, 0, down.stderr);
});
