// Intent: a dependency that fails fails `up` fast, naming the service, why, and its last log
// lines (PAIN-POINTS.md #2) — no waiting for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eStack } from './cli.ts';

const { e, stack } = e2eStack('deps', (e) => `services:
  migrate:
    image: tscompose-test/busybox:latest
    command: ["sh", "-c", "echo 'connecting to db'; echo 'boom: schema locked' >&2; exit 2"]
  app:
    image: tscompose-test/busybox:latest
    command: ["sleep", "3600"]
    depends_on:
      migrate:
        condition: service_completed_successfully
`);

test('a one-shot dependency that exits 2 fails up -d at once with its reason and last log lines', () => {
  const t0 = Date.now();
  const r = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(r.code, 1);
  assert.ok(Date.now() - t0 < 20_000);
  assert.match(r.stderr, /Service "app" cannot start: dependency "migrate" \(.*-migrate-1\) exited with code 2/);
  assert.match(r.stderr, /last log lines of migrate:\n {2}connecting to db\n {2}boom: schema locked/);
  const ps = JSON.parse(e.tsc(['-p', e.project, 'ps', '-a', '--format', 'json'], { cwd: stack }).stdout) as { Service: string; State: string }[];
  assert.deepEqual(ps.map((x) => [x.Service, x.State]), [['app', 'created'], ['migrate', 'exited']]);
});
