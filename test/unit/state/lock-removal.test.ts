// Intent: `down` removes the project's run dir, lock file included, while it holds the lock; a
// command that was waiting on the removed file must not think it holds the lock while a newer
// command holds the lock on the re-created file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { testEnv } from '../../helpers/env.ts';
import { acquireLock } from '../../../executor/state/lock.ts';
import { paths } from '../../../executor/state/paths.ts';

const env = testEnv('lock-removal');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

const lockUrl = new URL('../../../executor/state/lock.ts', import.meta.url).href;

test('a command waiting on a lock file that down removed waits for the holder of the new one', async () => {
  const p = env.project;
  const first = await acquireLock(p, { command: 'down' });
  // B starts waiting on the current lock file.
  const code = `const { acquireLock } = await import(${JSON.stringify(lockUrl)});
    console.log('waiting'); await acquireLock(${JSON.stringify(p)}, { command: 'B', timeoutMs: 10000 }); console.log('held'); setInterval(() => {}, 1000);`;
  const b = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', code], {
    env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  b.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  try {
    await once(b.stdout!, 'data');
    await new Promise((r) => setTimeout(r, 150)); // B is in its flock retry loop on the old file
    // down's last act: the run dir goes, then the lock is released.
    rmSync(paths.project(p), { recursive: true, force: true });
    first.release();
    // C comes along and takes the lock on a new file.
    const c = await acquireLock(p, { command: 'C', timeoutMs: 2000 });
    assert.ok(existsSync(paths.lock(p)));
    await new Promise((r) => setTimeout(r, 400));
    assert.doesNotMatch(out, /held/, 'B must not hold the lock while C does');
    c.release();
    const t0 = Date.now();
    while (!out.includes('held') && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /held/, 'B gets the lock once C let it go');
  } finally {
    b.kill('SIGKILL');
    await once(b, 'exit').catch(() => undefined);
  }
});
