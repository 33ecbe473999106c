// Intent: the CI pattern on examples/stacks/ci — a one-shot migration, a healthy api, and the
// test container's exit code as `up --exit-code-from`'s, with the other containers stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { e2eEnv, STACKS } from './cli.ts';

const stack = `${STACKS}/ci`;
const e = e2eEnv('ci');
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('up --exit-code-from returns the test container\'s own exit code and says why it stopped', () => {
  const r = e.tsc(['-p', e.project, 'up', '--exit-code-from', 'tests', '-t', '1'], { cwd: stack, env: { TESTS_EXIT: '3' } });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${e.project}-tests-1 +\\| tests passed`));
  assert.match(r.stdout, new RegExp(`Aborting because ${e.project}-tests-1 exited 3`));
  // The api was stopped by the abort, not left running.
  const ps = JSON.parse(e.tsc(['-p', e.project, 'ps', '-a', '--format', 'json'], { cwd: stack }).stdout) as { Service: string; State: string }[];
  assert.deepEqual(ps.map((x) => [x.Service, x.State]), [['api', 'exited'], ['migrate', 'exited'], ['tests', 'exited']]);
});

test('up -d --wait succeeds although the one-shot migration has exited 0', () => {
  const r = e.tsc(['-p', e.project, 'up', '-d', '--wait', 'api'], { cwd: stack });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${e.project}-migrate-1 exited 0 \\(completed\\)`));
});

test('run --rm starts the dependencies, returns the one-off\'s exit code and removes it', () => {
  const r = e.tsc(['-p', e.project, 'run', '--rm', 'tests'], { cwd: stack, env: { TESTS_EXIT: '5' } });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stdout, /tests passed/);
  const all = JSON.parse(e.tsc(['-p', e.project, 'ps', '-a', '--format', 'json'], { cwd: stack }).stdout) as { Name: string }[];
  assert.equal(all.some((c) => c.Name.includes('-tests-run-')), false);
  const cmd = e.tsc(['-p', e.project, 'run', '--rm', '--no-deps', '-e', 'X=42', 'tests', 'sh', '-c', 'echo x=$X; exit 4'], { cwd: stack });
  assert.equal(cmd.code, 4);
  assert.equal(cmd.stdout.trim(), 'x=42');
});
