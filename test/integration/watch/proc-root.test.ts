// A target on a tmpfs inside the container has no host directory: watch reaches it through the
// container's /proc/<pid>/root, which walks that process's own mount namespace. Here a process
// in a new mount namespace mounts a tmpfs over a temp dir; the sync must land in its tmpfs and
// not in the host's directory underneath.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testEnv, leftovers } from '../../helpers/env.ts';
import { syncInto } from '../../../executor/watch/sync.ts';
import { resolveTarget } from '../../../executor/watch/target-resolution.ts';

const env = testEnv('watchproc');
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});

test('a sync below a tmpfs of a running container lands in that tmpfs via /proc/<pid>/root', async (t) => {
  if (process.getuid!() !== 0) { t.skip('a new mount namespace needs root'); return; }
  const cache = join(env.dir, 'cache');
  const src = join(env.dir, 'src');
  mkdirSync(cache);
  mkdirSync(src);
  writeFileSync(join(src, 'x.bin'), 'into the tmpfs');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs none ${cache} && echo up && exec sleep 20`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((res, rej) => {
      child.stdout!.once('data', () => res());
      child.once('exit', (c) => rej(new Error(`unshare exited ${c}`)));
    });
    const pid = child.pid!;
    const r = resolveTarget('/unused-merged', [], `${cache}/x.bin`, { unreachable: [cache], pid });
    assert.equal(r.root, `/proc/${pid}/root`);
    const res = syncInto(r.root, [{ source: join(src, 'x.bin'), rel: r.rel }], { uid: 0, gid: 0 });
    assert.deepEqual(res.errors, []);
    assert.equal(readFileSync(`/proc/${pid}/root${cache}/x.bin`, 'utf8'), 'into the tmpfs');
    assert.deepEqual(readdirSync(cache), [], 'the host directory under the tmpfs is untouched');
    assert.equal(existsSync(join(cache, 'x.bin')), false);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
});
