// Watch mode writes into a container's overlay merged view from the host. Here a real overlay is
// mounted (lower = an "image" dir), files are synced into merged, and the upper dir must hold
// exactly the change: new/updated files copied up with the container user's ownership, deletions
// as overlay whiteouts, the lower layer untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, lstatSync, existsSync, symlinkSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers } from '../../helpers/env.ts';
import { mount, umount2 } from '../../../executor/sys/mount.ts';
import { syncInto, SymlinkEscapeError } from '../../../executor/watch/sync.ts';
import { startWatch } from '../../../executor/watch/session.ts';
import type { WatchActions } from '../../../executor/watch/actions.ts';
import type { Project } from '../../../schema/model.ts';

const env = testEnv('watchovl');
const lower = join(env.dir, 'lower');
const upper = join(env.dir, 'upper');
const work = join(env.dir, 'work');
const merged = join(env.dir, 'merged');
const host = join(env.dir, 'host');
let mounted = false;

before(() => {
  if (process.getuid!() !== 0) return;
  for (const d of [join(lower, 'app/sub'), upper, work, merged, join(host, 'app')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(lower, 'app/keep.txt'), 'image version');
  writeFileSync(join(lower, 'app/remove-me.txt'), 'image file');
  writeFileSync(join(lower, 'app/sub/x'), 'x');
  symlinkSync('/', join(lower, 'app/esc'));
  mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
  mounted = true;
});

after(() => {
  try {
    if (mounted) umount2(merged);
    assert.deepEqual(leftovers(env.dir), [], 'no mount or process of this test is left');
  } finally {
    env.cleanup();
  }
});

test('a sync into the merged view lands in the upper dir; deletions become whiteouts; the lower layer is untouched', (t) => {
  if (!mounted) { t.skip('mounting an overlay needs root'); return; }
  writeFileSync(join(host, 'app/new.js'), 'console.log(1)');
  writeFileSync(join(host, 'app/keep.txt'), 'edited on the host');
  const owner = { uid: 1000, gid: 1001 };
  const r = syncInto(merged, ['app/new.js', 'app/keep.txt', 'app/remove-me.txt', 'app/sub'].map((rel) => ({ source: join(host, rel), rel })), owner);
  assert.deepEqual(r.errors, []);
  assert.deepEqual([r.files, r.deleted], [2, 2]);

  assert.equal(readFileSync(join(merged, 'app/new.js'), 'utf8'), 'console.log(1)');
  assert.equal(readFileSync(join(merged, 'app/keep.txt'), 'utf8'), 'edited on the host');
  assert.equal(existsSync(join(merged, 'app/remove-me.txt')), false);
  assert.equal(existsSync(join(merged, 'app/sub')), false);

  assert.equal(readFileSync(join(upper, 'app/new.js'), 'utf8'), 'console.log(1)');
  assert.equal(readFileSync(join(upper, 'app/keep.txt'), 'utf8'), 'edited on the host');
  const st = lstatSync(join(upper, 'app/new.js'));
  assert.deepEqual([st.uid, st.gid], [1000, 1001]);
  for (const gone of ['app/remove-me.txt', 'app/sub']) {
    const w = lstatSync(join(upper, gone));
    assert.ok(w.isCharacterDevice() && w.rdev === 0, `${gone} is a whiteout (char 0:0) in upper`);
  }
  assert.equal(readFileSync(join(lower, 'app/keep.txt'), 'utf8'), 'image version');
  assert.ok(existsSync(join(lower, 'app/remove-me.txt')));
  assert.ok(existsSync(join(lower, 'app/sub/x')));
});

test('a symlink to / inside the image is not written through from the merged view', (t) => {
  if (!mounted) { t.skip('mounting an overlay needs root'); return; }
  const name = `tscompose-watch-escape-${process.pid}`;
  mkdirSync(join(host, 'app/esc'), { recursive: true });
  writeFileSync(join(host, 'app/esc', name), 'x');
  const r = syncInto(merged, [{ source: join(host, 'app/esc', name), rel: `app/esc/${name}` }], { uid: 0, gid: 0 });
  assert.ok(r.errors[0] instanceof SymlinkEscapeError);
  assert.equal(existsSync(`/${name}`), false);
  unlinkSync(join(host, 'app/esc', name));
});

test('a watch session with the real file watcher carries a host edit into the overlay within moments', async (t) => {
  if (!mounted) { t.skip('mounting an overlay needs root'); return; }
  const proj: Project = {
    name: env.project, working_dir: host, disabled_services: {}, networks: {}, volumes: {}, secrets: {}, configs: {}, extensions: {},
    origins: new Map(), files: [],
    services: { web: { environment: {}, labels: {}, depends_on: {}, develop: { watch: [{ action: 'sync', path: './app', target: '/app' }] } } },
  };
  const lines: string[] = [];
  const actions: WatchActions = {
    containers: async () => [{ id: 'c'.repeat(64), rootDir: merged, uid: 1000, gid: 1000, mounts: [] }],
    restart: async () => {}, exec: async () => ({ code: 0 }), rebuild: async () => {}, reload: async () => {},
    log: (l) => lines.push(l),
  };
  const sess = await startWatch(proj, actions, { stackFiles: [] });
  try {
    const t0 = performance.now();
    writeFileSync(join(host, 'app/live.js'), 'v2');
    while (!existsSync(join(upper, 'app/live.js')) && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 2));
    assert.equal(readFileSync(join(merged, 'app/live.js'), 'utf8'), 'v2');
    assert.equal(readFileSync(join(upper, 'app/live.js'), 'utf8'), 'v2');
    t.diagnostic(`host write → readable in the overlay: ${(performance.now() - t0).toFixed(1)} ms; ${lines.join(' | ')}`);
  } finally {
    await sess.close();
  }
  assert.ok(readdirSync(upper).length > 0);
});
