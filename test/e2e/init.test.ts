// Intent: `init: true` (the host's tini bind-mounted as PID 1) behaves like docker's: healthchecks
// and exec work through it, tini forwards stop signals to the app (so a stop is quick and the app's
// own exit is recorded), restart/kill/start act on it, Ctrl-C on a foreground `up` ends promptly
// (one Ctrl-C when the app obeys SIGTERM, the second when it ignores it), and `down` leaves nothing.
// Every wait is bounded: this scenario once hung a test for 10 minutes (it waited for an `exit`
// event the CLI had already emitted, because with tini the graceful stop took < 300 ms).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { e2eStack, exitOf, freePort, until } from './cli.ts';

const { e, stack } = e2eStack('init', (e) => `
services:
  web:
    image: tscompose-test/busybox:latest
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: ["127.0.0.1:\${PORT}:8080"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 500ms
      retries: 20
  client:
    image: tscompose-test/busybox:latest
    init: true
    command: ["sh", "-c", "while true; do wget -q -O- http://web:8080/ >/dev/null; sleep 1; done"]
    depends_on:
      web: { condition: service_healthy }
  stubborn:
    image: tscompose-test/busybox:latest
    init: true
    profiles: [stubborn]
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"]
`);

const T = 30_000;
function tsc(args: string[], env: NodeJS.ProcessEnv, project = e.project) {
  const r = e.tsc(['-p', project, ...args], { cwd: stack, env, timeoutMs: T });
  assert.notEqual(r.code, -1, `tscompose ${args.join(' ')} did not finish within ${T} ms\n${r.stdout}${r.stderr}`);
  return r;
}
const states = (env: NodeJS.ProcessEnv, project = e.project) =>
  Object.fromEntries((JSON.parse(tsc(['ps', '-a', '--format', 'json'], env, project).stdout) as { Service: string; Status: string }[]).map((r) => [r.Service, r.Status]));

test('init: true: health, exec, stop, restart, kill and start go through tini', async () => {
  const env = { PORT: String(await freePort()) };
  assert.equal(tsc(['up', '-d', '--wait'], env).code, 0);
  // tini is PID 1 and the app its child; the probe (an exec) turned the service healthy.
  assert.match(tsc(['exec', '-T', 'web', 'cat', '/proc/1/cmdline'], env).stdout, /^\/sbin\/docker-init\0--\0sh/);
  assert.match(states(env).web!, /\(healthy\)/);

  // tini forwards SIGTERM to httpd, which (not being PID 1) dies of it: no 30 s grace period.
  const t0 = Date.now();
  assert.equal(tsc(['stop', '-t', '30', 'client', 'web'], env).code, 0);
  assert.ok(Date.now() - t0 < 15_000, 'stop waited for the grace period');
  let st = states(env);
  assert.match(st.web!, /^Exited \(143\)/);
  assert.match(st.client!, /^Exited \(143\)/);

  assert.equal(tsc(['start'], env).code, 0);
  await until(() => /\(healthy\)/.test(states(env).web ?? ''), 15_000, 'web healthy again');
  assert.equal(tsc(['restart', '-t', '30', 'web'], env).code, 0);
  await until(() => /\(healthy\)/.test(states(env).web ?? ''), 15_000, 'web healthy after restart');

  assert.equal(tsc(['kill', '-s', 'TERM', 'client'], env).code, 0);
  await until(() => /^Exited \(143\)/.test(states(env).client ?? ''), 10_000, 'client ended by a forwarded SIGTERM');
  assert.equal(tsc(['kill', 'web'], env).code, 0);
  await until(() => /^Exited \(137\)/.test(states(env).web ?? ''), 10_000, 'web SIGKILLed');
  st = states(env);
  assert.match(st.client!, /^Exited \(143\)/);
  assert.equal(tsc(['down', '-t', '0'], env).code, 0);
  assert.deepEqual(states(env), {});
});

test('init: true: one Ctrl-C on a foreground up stops it promptly (tini forwards SIGTERM)', async () => {
  const env = { PORT: String(await freePort()) };
  const project = `${e.project}f`;
  const up = e.spawnTsc(['-p', project, 'up', '-t', '30'], { cwd: stack, env });
  const exited = exitOf(up, 60_000, 'foreground up');
  let out = '';
  up.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  up.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await until(() => out.includes(`${project}-client-1  Started`), 20_000, 'client started');
    up.kill('SIGINT');
    assert.equal(await exited, 130, out);
  } finally {
    up.kill('SIGKILL');
  }
  assert.match(out, /Gracefully stopping/);
  const st = states(env, project);
  assert.match(st.web!, /^Exited \(143\)/, out);
  assert.match(st.client!, /^Exited \(143\)/, out);
  assert.equal(tsc(['down', '-t', '0'], env, project).code, 0);
});

test('init: true: an app ignoring the forwarded SIGTERM is killed by a second Ctrl-C', async () => {
  const env = { PORT: String(await freePort()) };
  const project = `${e.project}s`;
  const up = e.spawnTsc(['-p', project, '--profile', 'stubborn', 'up', '-t', '60', 'stubborn'], { cwd: stack, env });
  const exited = exitOf(up, 60_000, 'foreground up');
  let out = '';
  up.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  up.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await until(() => out.includes('| ready'), 20_000, 'stubborn ready');
    up.kill('SIGINT');
    await until(() => out.includes(`${project}-stubborn-1  Stopping`), 10_000, 'stop begun');
    // The app ignores SIGTERM: without the second Ctrl-C this takes the 60 s grace period.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(up.exitCode, null, `up ended before the second Ctrl-C:\n${out}`);
    const t0 = Date.now();
    up.kill('SIGINT');
    assert.equal(await exited, 130, out);
    assert.ok(Date.now() - t0 < 15_000, 'the second Ctrl-C did not kill at once');
  } finally {
    up.kill('SIGKILL');
  }
  assert.match(states(env, project).stubborn!, /^Exited \(137\)/, out);
  assert.equal(tsc(['--profile', 'stubborn', 'down', '-t', '0'], env, project).code, 0);
});
