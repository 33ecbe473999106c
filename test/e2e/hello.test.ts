// Intent: the everyday loop on examples/stacks/hello — up -d, ps, exec, logs, the published port
// from the host's loopback, down — leaves nothing behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { e2eEnv, freePort, STACKS, until } from './cli.ts';

const stack = `${STACKS}/hello`;
const e = e2eEnv('hello');
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('up -d, ps, exec, logs, the published port and down on the hello stack leave nothing behind', async () => {
  const port = await freePort();
  const env = { HELLO_PORT: String(port) };
  const up = e.tsc(['-p', e.project, 'up', '-d', '--wait'], { cwd: stack, env });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`Container ${e.project}-web-1  Healthy|${e.project}-web-1 healthy`));

  const ps = e.tsc(['-p', e.project, 'ps', '--format', 'json'], { cwd: stack, env });
  const rows = JSON.parse(ps.stdout) as { Name: string; State: string; Health: string; Ports: string }[];
  assert.deepEqual(rows.map((r) => [r.Name, r.State]), [[`${e.project}-client-1`, 'running'], [`${e.project}-web-1`, 'running']]);
  assert.equal(rows[1]?.Health, 'healthy');
  assert.equal(rows[1]?.Ports, `127.0.0.1:${port}->8080/tcp`);

  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal((await res.text()).trim(), 'hello from web');

  const ex = e.tsc(['-p', e.project, 'exec', 'client', 'sh', '-c', 'wget -q -O- http://web:8080/; exit 7'], { cwd: stack, env });
  assert.equal(ex.code, 7);
  assert.equal(ex.stdout.trim(), 'hello from web');

  // The client fetches every 2 s through the service name and logs what it got.
  await until(() => e.tsc(['-p', e.project, 'logs', 'client'], { cwd: stack, env }).stdout.includes(`${e.project}-client-1  | hello from web`), 15_000, 'client log line');
  const tail = e.tsc(['-p', e.project, 'logs', '--tail', '1', '--no-log-prefix', 'web'], { cwd: stack, env });
  assert.match(tail.stdout, /response:200/);

  const down = e.tsc(['-p', e.project, 'down', '-t', '0'], { cwd: stack, env });
  assert.equal(down.code, 0, down.stderr);
  assert.equal(e.tsc(['-p', e.project, 'ps', '-a', '-q'], { cwd: stack, env }).stdout, '');
  assert.equal(existsSync(`${e.run}/${e.project}/state.json`), false);
  assert.deepEqual(readdirSync(`${e.root}/containers`), []);
});
