// Intent: the everyday commands on examples/stacks/hello act on the right containers and say so
// in `ps`: stop, start, pause/unpause (freezer), kill, rm, port, restart; and Ctrl-C on a
// foreground `up` stops gracefully (first) or kills (second), leaving a state `down` cleans.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { e2eEnv, exitOf, freePort, STACKS, until } from './cli.ts';

const stack = `${STACKS}/hello`;
const e = e2eEnv('life');
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

const states = (env: NodeJS.ProcessEnv, project = e.project) =>
  Object.fromEntries((JSON.parse(e.tsc(['-p', project, 'ps', '-a', '--format', 'json'], { cwd: stack, env }).stdout) as { Service: string; Status: string }[]).map((r) => [r.Service, r.Status]));

test('stop, start, pause, unpause, kill, rm and port act on the named services', async () => {
  const env = { HELLO_PORT: String(await freePort()) };
  const p = ['-p', e.project];
  assert.equal(e.tsc([...p, 'up', '-d', '--wait'], { cwd: stack, env }).code, 0);
  assert.equal(e.tsc([...p, 'port', 'web', '8080'], { cwd: stack, env }).stdout.trim(), `127.0.0.1:${env.HELLO_PORT}`);

  assert.equal(e.tsc([...p, 'stop', '-t', '0', 'client'], { cwd: stack, env }).code, 0);
  let st = states(env);
  assert.match(st.client!, /^Exited \(137\)/);
  assert.match(st.web!, /^Up /);

  assert.equal(e.tsc([...p, 'start', 'client'], { cwd: stack, env }).code, 0);
  assert.match(states(env).client!, /^Up /);

  assert.equal(e.tsc([...p, 'pause', 'client'], { cwd: stack, env }).code, 0);
  assert.match(states(env).client!, /\(Paused\)/);
  assert.equal(e.tsc([...p, 'unpause', 'client'], { cwd: stack, env }).code, 0);
  assert.doesNotMatch(states(env).client!, /Paused/);

  assert.equal(e.tsc([...p, 'kill', '-s', 'KILL', 'client'], { cwd: stack, env }).code, 0);
  await until(() => /^Exited \(137\)/.test(states(env).client ?? ''), 5000, 'client killed');
  // A stopped container stays stopped: the restart policy never revives what the user stopped.
  assert.notEqual(e.tsc([...p, 'rm', 'web'], { cwd: stack, env }).code, 0, 'rm refuses a running container');
  assert.equal(e.tsc([...p, 'rm', 'client'], { cwd: stack, env }).code, 0);
  assert.deepEqual(Object.keys(states(env)), ['web']);
  assert.equal(e.tsc([...p, 'down', '-t', '0'], { cwd: stack, env }).code, 0);
});

test('Ctrl-C on a foreground up stops gracefully in reverse order; a second Ctrl-C kills at once', async () => {
  const env = { HELLO_PORT: String(await freePort()) };
  const project = `${e.project}c`;
  const up = e.spawnTsc(['-p', project, 'up', '-t', '30'], { cwd: stack, env });
  // Listening from the start: an `exit` that fires before a late listener would never come again.
  const exited = exitOf(up, 60_000, 'foreground up');
  let out = '';
  up.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  up.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  await until(() => out.includes(`${project}-client-1  Started`), 20_000, 'client started');
  const t0 = Date.now();
  up.kill('SIGINT');
  await until(() => out.includes('Gracefully stopping'), 5000, 'graceful stop message');
  // httpd as PID 1 ignores SIGTERM: without the second Ctrl-C this would take the 30 s grace period.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(up.exitCode, null, `up ended before the second Ctrl-C:\n${out}`);
  up.kill('SIGINT');
  const code = await exited;
  assert.ok(Date.now() - t0 < 10_000, 'the second Ctrl-C did not wait for the grace period');
  assert.equal(code, 130);
  const st = states(env, project);
  assert.match(st.client!, /^Exited/);
  assert.match(st.web!, /^Exited \(137\)/);
  // Reverse dependency order: the client (which depends on web) is stopped first.
  const client = out.indexOf(`Container ${project}-client-1  Stopping`);
  const web = out.indexOf(`Container ${project}-web-1  Stopping`);
  assert.ok(client >= 0 && web > client, out);
  assert.equal(e.tsc(['-p', project, 'down', '-t', '0'], { cwd: stack, env }).code, 0);
});
