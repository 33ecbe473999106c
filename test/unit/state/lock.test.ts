import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { testEnv } from '../../helpers/env.ts';
import { acquireLock, readHolder, LockTimeoutError } from '../../../executor/state/lock.ts';

const env = testEnv('lock');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

const lockUrl = new URL('../../../executor/state/lock.ts', import.meta.url).href;

/** Another process that takes the project's lock and holds it until killed. */
async function holderProcess(project: string) {
  const code = `const { acquireLock } = await import(${JSON.stringify(lockUrl)});
    await acquireLock(${JSON.stringify(project)}, { command: 'holder' }); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', code], {
    env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'held');
  return child;
}

test('a second command waits for the lock and says who holds it, then times out', async () => {
  const child = await holderProcess(env.project);
  try {
    let told: string | undefined;
    await assert.rejects(
      acquireLock(env.project, { command: 'me', timeoutMs: 150, onWait: (h) => { told = h?.command; } }),
      (e: unknown) => e instanceof LockTimeoutError && e.message.includes(`pid ${child.pid}`),
    );
    assert.equal(told, 'holder');
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

test('the lock of a command killed with SIGKILL is free at once', async () => {
  const p = env.project + 'k';
  const child = await holderProcess(p);
  child.kill('SIGKILL');
  await once(child, 'exit');
  const lock = await acquireLock(p, { command: 'next', timeoutMs: 1000 });
  assert.equal(readHolder(p)?.pid, process.pid);
  lock.release();
});

test('the lock is re-entrant within one process and free after the last release', async () => {
  const p = env.project + 'r';
  const a = await acquireLock(p, { command: 'outer' });
  const b = await acquireLock(p, { command: 'inner', timeoutMs: 100 });
  b.release();
  a.release();
  const child = await holderProcess(p); // would hang if we still held it
  child.kill('SIGKILL');
  await once(child, 'exit');
});
