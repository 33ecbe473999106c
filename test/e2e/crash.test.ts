// Intent: kill -9 of the supervisor at any point of `up -d` (10 services) leaves a state that
// `down` cleans completely — the journal is written before every host object.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { e2eEnv, until } from './cli.ts';
import { leftovers } from '../helpers/env.ts';

const e = e2eEnv('crash');
const stack = `${e.dir}/stack`;
mkdirSync(stack, { recursive: true });
const services = Array.from({ length: 10 }, (_, i) => `  s${i}:\n    image: tscompose-test/busybox:latest\n    command: ["sleep", "3600"]\n    stop_grace_period: 0s\n${i > 0 && i % 3 === 0 ? `    depends_on: [s${i - 1}]\n` : ''}`);
writeFileSync(`${stack}/compose.yaml`, `services:\n${services.join('')}`);
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

interface State { supervisor?: { pid: number }; containers: Record<string, { steps: string[] }> }
const readJournal = (project: string): State | undefined => {
  try { return JSON.parse(readFileSync(`${e.run}/${project}/state.json`, 'utf8')) as State; } catch { return undefined; }
};

for (const [i, point] of [[1, 2], [2, 13], [3, 31]] as const) {
  test(`kill -9 of the supervisor after ${point} journaled steps, then down: nothing is left (run ${i})`, async () => {
    const project = `${e.project}${i}`;
    const client = e.spawnTsc(['-p', project, 'up', '-d'], { cwd: stack });
    const steps = (s: State) => Object.values(s.containers).reduce((n, c) => n + c.steps.length, 0);
    const pid = await until(() => {
      const s = readJournal(project);
      return s?.supervisor && steps(s) >= point ? s.supervisor.pid : undefined;
    }, 30_000, `${point} journaled steps`);
    process.kill(pid, 'SIGKILL');
    await once(client, 'exit');
    const down = e.tsc(['-p', project, 'down', '-t', '0'], { cwd: stack });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(leftovers(project), []);
    assert.equal(readJournal(project), undefined);
  });
}

test('containers keep running when the supervisor is killed, and a new supervisor adopts them', async () => {
  const project = `${e.project}a`;
  const up = e.tsc(['-p', project, 'up', '-d', 's0', 's1'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);
  const pid = readJournal(project)!.supervisor!.pid;
  process.kill(pid, 'SIGKILL');
  await until(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000, 'supervisor gone');
  const ps = JSON.parse(e.tsc(['-p', project, 'ps', '--format', 'json'], { cwd: stack }).stdout) as { State: string }[];
  assert.deepEqual(ps.map((r) => r.State), ['running', 'running']);
  // `restart` finds no supervisor and starts one, which records itself.
  assert.equal(e.tsc(['-p', project, 'restart', '-t', '0', 's1'], { cwd: stack }).code, 0);
  const next = await until(() => { const s = readJournal(project)?.supervisor; return s && s.pid !== pid ? s.pid : undefined; }, 10_000, 'new supervisor');
  assert.ok(next > 0);
  assert.equal(e.tsc(['-p', project, 'down', '-t', '0'], { cwd: stack }).code, 0);
  assert.deepEqual(leftovers(project), []);
});
