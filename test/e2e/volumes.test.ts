// Intent: on examples/stacks/web-db-cache, health-based ordering works across two networks, and
// the named volume survives `down` and goes with `down -v`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { e2eEnv, freePort, STACKS } from './cli.ts';

const stack = `${STACKS}/web-db-cache`;
const e = e2eEnv('volumes');
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('a named volume survives down and up, and goes with down -v', async () => {
  const env = { WEB_PORT: String(await freePort()) };
  const p = ['-p', e.project];
  const vol = `${e.root}/volumes/${e.project}_dbdata`;
  let r = e.tsc([...p, 'up', '-d', '--wait'], { cwd: stack, env });
  assert.equal(r.code, 0, r.stderr);
  // web reached db and cache by name over the back network, and is published on the front one.
  const cache = await fetch(`http://127.0.0.1:${env.WEB_PORT}/cache`);
  assert.equal((await cache.text()).trim(), 'PONG');
  assert.equal(e.tsc([...p, 'exec', 'db', 'cat', '/data/www/boots'], { cwd: stack, env }).stdout.trim().split('\n').length, 1);

  r = e.tsc([...p, 'down', '-t', '0'], { cwd: stack, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(vol), true, 'the volume is still there after down');

  r = e.tsc([...p, 'up', '-d', '--wait'], { cwd: stack, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(e.tsc([...p, 'exec', 'db', 'cat', '/data/www/boots'], { cwd: stack, env }).stdout.trim().split('\n').length, 2, 'the second start appended to the same volume');

  r = e.tsc([...p, 'down', '-v', '-t', '0'], { cwd: stack, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(vol), false, 'down -v removed the volume');
});
