// Intent: `tscompose up --watch` on a copy of examples/stacks/dev-watch: the stack comes up, a
// host edit reaches the container, and Ctrl-C stops the stack as a foreground `up` does (exit
// 130); `down` then leaves nothing behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, freePort, STACKS } from './cli.ts';
import { readState } from '../../executor/state/journal.ts';
import { isAlive, realProc } from '../../executor/state/proc.ts';

const e = e2eEnv('upwatch');
const stack = join(e.dir, 'dev-watch');
cpSync(`${STACKS}/dev-watch`, stack, { recursive: true });
process.env.TSCOMPOSE_ROOT = e.root;
process.env.TSCOMPOSE_RUN = e.run;

after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

async function eventually(fn: () => boolean, ms: number, what: string, out: () => string): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; up --watch printed:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('up --watch syncs an edit into the running stack and Ctrl-C stops the stack', async () => {
  const env = { DEV_WATCH_PORT: String(await freePort()) };
  const child = e.spawnTsc(['-p', e.project, 'up', '--watch', '-t', '0'], { cwd: stack, env });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await eventually(() => out.includes('Watching 3 service(s)'), 90_000, 'watch to be ready', () => out);
    writeFileSync(join(stack, 'site/index.html'), 'up --watch edit\n');
    await eventually(() => e.tsc(['-p', e.project, 'exec', '-T', 'web', 'cat', '/www/index.html'], { cwd: stack, env, timeoutMs: 30_000 }).stdout === 'up --watch edit\n', 20_000, 'the edit inside web', () => out);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 60_000))]);
    assert.equal(code, 130, out);
    assert.equal(Object.keys(readState(e.project).containers).length, 3, 'stopped, not removed');
    const alive = Object.values(readState(e.project).containers).filter((c) => isAlive(realProc, c.pid, c.pidStart));
    assert.deepEqual(alive.map((c) => c.name), [], 'Ctrl-C stopped every container');
  } finally {
    if (child.exitCode === null) { child.kill('SIGKILL'); await exited; }
  }
  const down = e.tsc(['-p', e.project, 'down', '-v', '-t', '0'], { cwd: stack, env });
  assert.equal(down.code, 0, down.stderr);
});
