// Intent: `tscompose watch` as a user runs it, on a copy of examples/stacks/dev-watch. It brings
// the stack up, host edits appear inside the containers (seen through `tscompose exec`), an
// environment edit in the stack file recreates only that service, a broken edit is reported with
// its line and stops nothing, Ctrl-C ends watch, and `down` leaves nothing behind.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { e2eEnv, freePort, STACKS } from './cli.ts';
import { readState } from '../../executor/state/journal.ts';

const e = e2eEnv('watchcli');
const stack = join(e.dir, 'dev-watch');
cpSync(`${STACKS}/dev-watch`, stack, { recursive: true });
process.env.TSCOMPOSE_ROOT = e.root;
process.env.TSCOMPOSE_RUN = e.run;

let port = 0;
let child: ChildProcess | undefined;
let out = '';
let exited: Promise<number | null> | undefined;

const env = () => ({ DEV_WATCH_PORT: String(port) });
const tsc = (args: string[]) => e.tsc(['-p', e.project, ...args], { cwd: stack, env: env(), timeoutMs: 60_000 });
const ids = (service: string) => Object.values(readState(e.project).containers).filter((c) => c.service === service && !c.oneOff).map((c) => c.id).sort();

async function eventually(fn: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}; watch printed:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  port = await freePort();
  child = e.spawnTsc(['-p', e.project, 'watch', '-t', '0'], { cwd: stack, env: env() });
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  exited = new Promise((r) => child!.on('exit', (code) => r(code)));
  await eventually(() => out.includes('Watching 3 service(s)'), 90_000, 'watch to be ready');
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('watch brings the stack up and a host edit is visible inside the container', async () => {
  assert.equal(ids('web').length, 1);
  await eventually(() => tsc(['exec', '-T', 'web', 'cat', '/www/index.html']).stdout.includes('Edit examples/stacks/dev-watch'), 20_000, 'the initial sync');
  writeFileSync(join(stack, 'site/index.html'), 'edited while watching\n');
  await eventually(() => tsc(['exec', '-T', 'web', 'cat', '/www/index.html']).stdout === 'edited while watching\n', 20_000, 'the edit inside web');
  await eventually(() => /web: synced \/www\/index\.html \(\d+ ms\)/.test(out), 10_000, 'the sync line');
});

test('an environment edit in the stack file recreates only that service', async () => {
  const before = { web: ids('web'), api: ids('api'), worker: ids('worker') };
  const file = join(stack, 'compose.yaml');
  const text = readFileSync(file, 'utf8');
  const edited = text.replace('  worker:\n    image: tscompose-test/busybox:latest\n', '  worker:\n    image: tscompose-test/busybox:latest\n    environment:\n      MARK: edited-by-watch\n');
  assert.notEqual(edited, text, 'the example still has the worker block this test edits');
  writeFileSync(file, edited);
  await eventually(() => { const w = ids('worker'); return w.length === 1 && w[0] !== before.worker[0]; }, 60_000, 'worker recreated');
  let last = '';
  await eventually(() => {
    const r = tsc(['exec', '-T', 'worker', 'sh', '-c', 'echo $MARK']);
    last = `exit ${r.code}: ${r.stdout}${r.stderr}`;
    return r.stdout.trim() === 'edited-by-watch';
  }, 20_000, () => `the new environment in worker (last exec: ${last})`);
  assert.deepEqual(ids('web'), before.web, 'web kept its container');
  assert.deepEqual(ids('api'), before.api, 'api kept its container');
  await eventually(() => /stack file: reloaded \(\d+ ms\)/.test(out), 20_000, 'the reload line');
});

test('a broken stack-file edit is reported with its line and nothing is stopped', async () => {
  const before = { web: ids('web'), api: ids('api'), worker: ids('worker') };
  const file = join(stack, 'compose.yaml');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good + 'oops: [unclosed\n');
  await eventually(() => /stack file: not applied: .*(line \d+|:\d+)/.test(out), 30_000, 'the error with its line');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual({ web: ids('web'), api: ids('api'), worker: ids('worker') }, before);
  const running = Object.values(readState(e.project).containers).filter((c) => c.desired === 'running').length;
  assert.equal(running, 3);
  assert.equal(tsc(['exec', '-T', 'web', 'true']).code, 0, 'web still runs');
  writeFileSync(file, good);
});

test('a hook edit runs the rule\'s exec in the worker, its output among the logs', async () => {
  writeFileSync(join(stack, 'hooks/one.sh'), 'echo 1\n');
  await eventually(() => /worker: exec sh -c .* → exit 0/.test(out), 30_000, 'the exec line');
  await eventually(() => /worker-1 +\| reloaded: 1 hook files/.test(out), 10_000, 'the hook output');
});

test('a config edit restarts api through `restart`, and api then prints the new file', async () => {
  writeFileSync(join(stack, 'config/config.txt'), 'greeting=from-watch\n');
  await eventually(() => /api: restarted \(\d+ ms\)/.test(out), 30_000, 'the restart line');
  await eventually(() => /api-1 +\| config: greeting=from-watch/.test(out), 15_000, 'api printing the new config');
});

test('Ctrl-C ends watch, the stack keeps running, watch --no-up takes it over, and down leaves nothing', async () => {
  child!.kill('SIGINT');
  const code = await Promise.race([exited!, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]);
  assert.equal(code, 0, out);
  assert.equal(tsc(['exec', '-T', 'web', 'true']).code, 0, 'watch does not own the stack');
  // `watch --no-up` takes the running stack as it is.
  const ids0 = ids('web');
  let out2 = '';
  const again = e.spawnTsc(['-p', e.project, 'watch', '--no-up', 'web'], { cwd: stack, env: env() });
  again.stdout!.on('data', (d) => { out2 += d; });
  again.stderr!.on('data', (d) => { out2 += d; });
  const exited2 = new Promise<number | null>((r) => again.on('exit', (c) => r(c)));
  try {
    await eventually(() => out2.includes('Watching 1 service(s)'), 30_000, () => `watch --no-up to be ready: ${out2}`);
    assert.ok(!out2.includes('Creating'), out2);
    writeFileSync(join(stack, 'site/index.html'), 'second watch\n');
    await eventually(() => tsc(['exec', '-T', 'web', 'cat', '/www/index.html']).stdout === 'second watch\n', 20_000, () => `the edit via watch --no-up: ${out2}`);
    assert.deepEqual(ids('web'), ids0);
    again.kill('SIGINT');
    assert.equal(await Promise.race([exited2, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]), 0, out2);
  } finally {
    if (again.exitCode === null) { again.kill('SIGKILL'); await exited2; }
  }
  const down = tsc(['down', '-v', '-t', '0']);
  assert.equal(down.code, 0, down.stderr);
});
