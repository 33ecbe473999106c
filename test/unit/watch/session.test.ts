import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync, renameSync, unlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWatch, stackFilesOf } from '../../../executor/watch/session.ts';
import { rebuildUnavailable, type ContainerView, type WatchActions } from '../../../executor/watch/actions.ts';
import type { FileEvent, WatcherFactory } from '../../../executor/watch/watcher.ts';
import type { WatchRule } from '../../../schema/model.ts';
import { StackFileError } from '../../../schema/errors.ts';
import { project, service } from './fixtures.ts';

const base = mkdtempSync(join(tmpdir(), 'tscompose-session-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

class FakeWatchers {
  watched: { paths: string[]; ignored: (p: string) => boolean; emit: (e: FileEvent) => void; closed: boolean }[] = [];
  factory: WatcherFactory = (paths, ignored, onEvent) => {
    const w = { paths, ignored, emit: onEvent, closed: false };
    this.watched.push(w);
    return { ready: Promise.resolve(), close: async () => { w.closed = true; } };
  };
  /** The live watcher over `path` (files or stack files). */
  of(path: string) {
    const w = [...this.watched].reverse().find((x) => !x.closed && x.paths.includes(path));
    assert.ok(w, `a watcher covers ${path}`);
    return w;
  }
}

function recorder(containers: Record<string, ContainerView[]>) {
  const calls: string[] = [];
  const lines: string[] = [];
  const actions: WatchActions & { reloadImpl: () => Promise<void> } = {
    reloadImpl: async () => {},
    async containers(s) { calls.push(`containers ${s}`); return containers[s] ?? []; },
    async restart(s) { calls.push(`restart ${s}`); },
    async exec(id, e) { calls.push(`exec ${id} ${e.command.join(' ')}`); return { code: 0 }; },
    async rebuild(s) { calls.push(`rebuild ${s}`); throw rebuildUnavailable(s); },
    async reload() { calls.push('reload'); await actions.reloadImpl(); },
    log(l) { lines.push(l); },
  };
  return { calls, lines, actions };
}

function setup(rules: WatchRule[], opts: { replicas?: number; mounts?: ContainerView['mounts'] } = {}) {
  const dir = join(base, String(n++));
  const src = join(dir, 'proj');
  mkdirSync(join(src, 'src'), { recursive: true });
  const containers: ContainerView[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    const rootDir = join(dir, `merged${i}`);
    mkdirSync(rootDir);
    containers.push({ id: `${i}`.repeat(64).slice(0, 64), rootDir, uid: process.getuid!(), gid: process.getgid!(), mounts: opts.mounts ?? [] });
  }
  const p = project(src, { web: service(rules) }, [join(src, 'compose.yaml')]);
  const fw = new FakeWatchers();
  const rec = recorder({ web: containers });
  return { dir, src, containers, p, fw, ...rec };
}

const fast = (fw: FakeWatchers) => ({ watcher: fw.factory, quietMs: 5, maxWaitMs: 200, compile: { dockerignore: () => [] }, syncIn: 'inline' as const });

test('a batch of edits is synced into the container root under the target and logged once', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  for (const f of ['a.js', 'b.js', 'c.js']) writeFileSync(join(s.src, 'src', f), f);
  const w = s.fw.of(join(s.src, 'src'));
  for (const f of ['a.js', 'b.js', 'c.js']) w.emit({ type: 'add', path: join(s.src, 'src', f) });
  await sess.idle();
  assert.deepEqual(readdirSync(join(s.containers[0]!.rootDir, 'app')).sort(), ['a.js', 'b.js', 'c.js']);
  const synced = s.lines.filter((l) => l.includes('synced'));
  assert.equal(synced.length, 1);
  assert.match(synced[0]!, /^web: synced 3 files \(\d+ ms\)$/);
  await sess.close();
});

test('sync+restart syncs every file of a burst then restarts once', async () => {
  const s = setup([{ action: 'sync+restart', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  const w = s.fw.of(join(s.src, 'src'));
  for (let i = 0; i < 300; i++) {
    writeFileSync(join(s.src, 'src', `f${i}`), String(i));
    w.emit({ type: 'add', path: join(s.src, 'src', `f${i}`) });
  }
  await sess.idle();
  assert.equal(readdirSync(join(s.containers[0]!.rootDir, 'app')).length, 300);
  assert.deepEqual(s.calls.filter((c) => c.startsWith('restart')), ['restart web']);
  assert.ok(s.lines.some((l) => /^web: restarted \(\d+ ms\)$/.test(l)));
  await sess.close();
});

test('sync+exec runs the command once in each replica after syncing to each', async () => {
  const s = setup([{ action: 'sync+exec', path: './src', target: '/app', exec: { command: ['kill', '-HUP', '1'] } }], { replicas: 2 });
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/x'), 'x');
  writeFileSync(join(s.src, 'src/y'), 'y');
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/x') });
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/y') });
  await sess.idle();
  for (const c of s.containers) assert.equal(readFileSync(join(c.rootDir, 'app/x'), 'utf8'), 'x');
  assert.deepEqual(s.calls.filter((c) => c.startsWith('exec')), s.containers.map((c) => `exec ${c.id} kill -HUP 1`));
  assert.ok(s.lines.some((l) => l.includes('synced 2 files to 2 containers')));
  await sess.close();
});

test('a restart rule restarts without syncing anything', async () => {
  const s = setup([{ action: 'restart', path: './src' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/conf'), 'c');
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/conf') });
  await sess.idle();
  assert.deepEqual(s.calls, ['restart web']);
  assert.deepEqual(readdirSync(s.containers[0]!.rootDir), []);
  await sess.close();
});

test('a rebuild rule whose rebuild is refused reports it and syncs nothing', async () => {
  const s = setup([{ action: 'rebuild', path: './src' }, { action: 'sync', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/pkg.json'), '{}');
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/pkg.json') });
  await sess.idle();
  assert.deepEqual(s.calls, ['rebuild web']);
  assert.ok(s.lines.some((l) => l.includes('web: rebuild skipped:')), s.lines.join('\n'));
  await sess.close();
});

test('ignored paths produce no batch, and the watcher is told to skip ignored directories', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app', ignore: ['node_modules'] }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  const w = s.fw.of(join(s.src, 'src'));
  assert.equal(w.ignored(join(s.src, 'src/node_modules')), true);
  assert.equal(w.ignored(join(s.src, 'src/lib')), false);
  w.emit({ type: 'add', path: join(s.src, 'src/node_modules/x.js') });
  w.emit({ type: 'add', path: join(s.src, 'src/.app.js.swp') });
  await sess.idle();
  assert.deepEqual(s.calls, []);
  await sess.close();
});

test('deletions and renames on the host show in the container', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const root = s.containers[0]!.rootDir;
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app/old.js'), 'v');
  writeFileSync(join(root, 'app/dead.js'), 'v');
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/new.js'), 'v');
  const w = s.fw.of(join(s.src, 'src'));
  w.emit({ type: 'unlink', path: join(s.src, 'src/old.js') });
  w.emit({ type: 'add', path: join(s.src, 'src/new.js') });
  w.emit({ type: 'unlink', path: join(s.src, 'src/dead.js') });
  await sess.idle();
  assert.deepEqual(readdirSync(join(root, 'app')), ['new.js']);
  assert.ok(s.lines.some((l) => /web: synced \/app\/new\.js, deleted 2 paths|web: synced 1 file, deleted 2 paths/.test(l)), s.lines.join('\n'));
  await sess.close();
});

test('a directory moved in is synced with everything inside it', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app', ignore: ['**/*.log'] }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  mkdirSync(join(s.dir, 'staging/deep'), { recursive: true });
  writeFileSync(join(s.dir, 'staging/deep/a.txt'), 'a');
  writeFileSync(join(s.dir, 'staging/debug.log'), 'noise');
  renameSync(join(s.dir, 'staging'), join(s.src, 'src/pkg'));
  s.fw.of(join(s.src, 'src')).emit({ type: 'addDir', path: join(s.src, 'src/pkg') });
  await sess.idle();
  const root = s.containers[0]!.rootDir;
  assert.equal(readFileSync(join(root, 'app/pkg/deep/a.txt'), 'utf8'), 'a');
  assert.equal(existsSync(join(root, 'app/pkg/debug.log')), false);
  await sess.close();
});

test('a target under a bind mount is written to the mount source', async () => {
  const dir = join(base, `m${n++}`);
  const vol = join(dir, 'vol');
  mkdirSync(vol, { recursive: true });
  const s = setup([{ action: 'sync', path: './src', target: '/data/in' }], { mounts: [{ source: vol, target: '/data', readOnly: false }] });
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/seed.sql'), 'select 1');
  s.fw.of(join(s.src, 'src')).emit({ type: 'add', path: join(s.src, 'src/seed.sql') });
  await sess.idle();
  assert.equal(readFileSync(join(vol, 'in/seed.sql'), 'utf8'), 'select 1');
  assert.equal(existsSync(join(s.containers[0]!.rootDir, 'data')), false, 'the shadowed overlay is not written');
  await sess.close();
});

test('initial_sync copies only the files that differ when watching starts', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app', initial_sync: true }]);
  const root = s.containers[0]!.rootDir;
  mkdirSync(join(root, 'app'));
  writeFileSync(join(s.src, 'src/same'), 'same');
  writeFileSync(join(root, 'app/same'), 'same');
  writeFileSync(join(s.src, 'src/changed'), 'new');
  writeFileSync(join(root, 'app/changed'), 'old');
  writeFileSync(join(s.src, 'src/missing'), 'm');
  writeFileSync(join(root, 'app/extra'), 'kept: initial sync never deletes');
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  assert.equal(readFileSync(join(root, 'app/changed'), 'utf8'), 'new');
  assert.equal(readFileSync(join(root, 'app/missing'), 'utf8'), 'm');
  assert.ok(existsSync(join(root, 'app/extra')));
  assert.ok(s.lines.some((l) => /^web: initial sync: synced 2 files \(\d+ ms\)$/.test(l)), s.lines.join('\n'));
  await sess.close();
});

test('a container that starts after edits (none was running) gets the edited files', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const live = s.containers.splice(0);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/edited.js'), 'edit while down');
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/edited.js') });
  await sess.idle();
  assert.ok(s.lines.includes('web: no running container, changes kept for when it starts'));
  s.containers.push(...live);
  await sess.containerStarted('web', live[0]!.id);
  assert.equal(readFileSync(join(live[0]!.rootDir, 'app/edited.js'), 'utf8'), 'edit while down');
  await sess.close();
});

test('a stack file save calls reload; a broken edit is reported and watching goes on', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  const compose = join(s.src, 'compose.yaml');
  const sw = s.fw.of(compose);
  sw.emit({ type: 'change', path: compose });
  sw.emit({ type: 'change', path: compose });
  await sess.idle();
  assert.deepEqual(s.calls, ['reload']);
  s.actions.reloadImpl = async () => {
    throw StackFileError.one({ keyPath: 'services.web.ports[0]', message: 'invalid port', origin: { file: compose, line: 7, col: 9 } });
  };
  sw.emit({ type: 'change', path: compose });
  await sess.idle();
  assert.ok(s.lines.some((l) => l.startsWith('stack file: not applied: ') && l.includes('compose.yaml:7:9')), s.lines.join('\n'));
  writeFileSync(join(s.src, 'src/after.js'), 'still synced');
  s.fw.of(join(s.src, 'src')).emit({ type: 'add', path: join(s.src, 'src/after.js') });
  await sess.idle();
  assert.equal(readFileSync(join(s.containers[0]!.rootDir, 'app/after.js'), 'utf8'), 'still synced');
  await sess.close();
});

test('update swaps the rules and the watched paths after a reload', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  mkdirSync(join(s.src, 'lib'));
  await sess.update(project(s.src, { web: service([{ action: 'sync', path: './lib', target: '/lib' }]) }, s.p.files));
  assert.ok(s.fw.watched.filter((w) => w.paths.includes(join(s.src, 'src'))).every((w) => w.closed));
  writeFileSync(join(s.src, 'lib/l.js'), 'l');
  s.fw.of(join(s.src, 'lib')).emit({ type: 'add', path: join(s.src, 'lib/l.js') });
  await sess.idle();
  assert.equal(readFileSync(join(s.containers[0]!.rootDir, 'lib/l.js'), 'utf8'), 'l');
  await sess.close();
});

test('the stack files are the -f files, .env and every env_file', () => {
  const p = project('/proj', { web: service([], { env_file: [{ path: 'web.env', required: true }] }) }, ['/proj/compose.yaml']);
  assert.deepEqual(stackFilesOf(p), ['/proj/compose.yaml', '/proj/.env', '/proj/web.env']);
});

test('with the real chokidar watcher an edit on disk reaches the container root', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  const sess = await startWatch(s.p, s.actions, { quietMs: 5, maxWaitMs: 200, compile: { dockerignore: () => [] }, stackFiles: [], syncIn: 'inline' });
  try {
    const target = join(s.containers[0]!.rootDir, 'app/live.txt');
    writeFileSync(join(s.src, 'src/live.txt'), 'hello');
    const deadline = Date.now() + 5000;
    while (!existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(readFileSync(target, 'utf8'), 'hello');
    unlinkSync(join(s.src, 'src/live.txt'));
    while (existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(existsSync(target), false);
  } finally { await sess.close(); }
});

test('with the real chokidar watcher a rule on a single file sees that file change', async () => {
  const s = setup([{ action: 'restart', path: './conf.ini' }]);
  writeFileSync(join(s.src, 'conf.ini'), 'a=1');
  const sess = await startWatch(s.p, s.actions, { quietMs: 5, restartQuietMs: 5, compile: { dockerignore: () => [] }, stackFiles: [], syncIn: 'inline' });
  try {
    writeFileSync(join(s.src, 'conf.ini'), 'a=2');
    const deadline = Date.now() + 5000;
    while (!s.calls.includes('restart web') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(s.calls, ['restart web']);
  } finally { await sess.close(); }
});

test('when the target is a bind mount of the watched dir itself, nothing is rewritten and no sync line is printed', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  s.containers[0]!.mounts.push({ source: join(s.src, 'src'), target: '/app', readOnly: false });
  const sess = await startWatch(s.p, s.actions, fast(s.fw));
  writeFileSync(join(s.src, 'src/a.js'), 'v1');
  s.fw.of(join(s.src, 'src')).emit({ type: 'change', path: join(s.src, 'src/a.js') });
  await sess.idle();
  assert.deepEqual(s.lines.filter((l) => l.includes('synced') || l.includes('sync ')), []);
  assert.equal(readFileSync(join(s.src, 'src/a.js'), 'utf8'), 'v1');
  await sess.close();
});

test('invalid rules fail startWatch with the stack-file error, before anything is watched', async () => {
  const s = setup([{ action: 'sync', path: './src' }]);
  await assert.rejects(startWatch(s.p, s.actions, { ...fast(s.fw), syncIn: 'worker' }),
    (e) => e instanceof StackFileError && /target is required for action sync/.test(e.message));
  assert.deepEqual(s.fw.watched, []);
});

test('a rule path that is a symlink to a directory is followed, with the real watcher', async () => {
  const s = setup([{ action: 'sync', path: './linked', target: '/app' }]);
  mkdirSync(join(s.dir, 'shared'));
  symlinkSync(join(s.dir, 'shared'), join(s.src, 'linked'));
  const sess = await startWatch(s.p, s.actions, { quietMs: 5, compile: { dockerignore: () => [] }, stackFiles: [], syncIn: 'inline' });
  try {
    writeFileSync(join(s.dir, 'shared/x.js'), 'through the link');
    const target = join(s.containers[0]!.rootDir, 'app/x.js');
    const deadline = Date.now() + 5000;
    while (!existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(readFileSync(target, 'utf8'), 'through the link');
    assert.ok(s.lines.includes(`web: watching ${join(s.dir, 'shared')}`), s.lines.join('\n'));
  } finally { await sess.close(); }
});

test('atomic saves (temp file renamed over the original) never show the file as deleted in the container', async () => {
  const s = setup([{ action: 'sync', path: './src', target: '/app' }]);
  writeFileSync(join(s.src, 'src/app.js'), 'v0');
  const sess = await startWatch(s.p, s.actions, { quietMs: 5, compile: { dockerignore: () => [] }, stackFiles: [], syncIn: 'inline' });
  try {
    for (let i = 1; i <= 10; i++) {
      // JetBrains' safe-write: a temp beside the file, then a rename over it.
      writeFileSync(join(s.src, 'src/app.js___jb_tmp___'), `v${i}`);
      renameSync(join(s.src, 'src/app.js___jb_tmp___'), join(s.src, 'src/app.js'));
      await new Promise((r) => setTimeout(r, 60));
    }
    const target = join(s.containers[0]!.rootDir, 'app/app.js');
    const deadline = Date.now() + 5000;
    while ((existsSync(target) ? readFileSync(target, 'utf8') : '') !== 'v10' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sess.idle();
    assert.equal(readFileSync(target, 'utf8'), 'v10');
    assert.deepEqual(s.lines.filter((l) => l.includes('deleted') || l.includes('jb_tmp')), []);
  } finally { await sess.close(); }
});
