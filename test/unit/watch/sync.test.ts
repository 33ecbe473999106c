import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, lstatSync, readlinkSync, symlinkSync,
  chmodSync, utimesSync, statSync, readdirSync, unlinkSync, linkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { syncInto, SymlinkEscapeError, type SyncOp } from '../../../executor/watch/sync.ts';

const base = mkdtempSync(join(tmpdir(), 'tscompose-sync-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function dirs() {
  const d = join(base, String(n++));
  const src = join(d, 'src');
  const dst = join(d, 'dst');
  mkdirSync(src, { recursive: true });
  mkdirSync(dst, { recursive: true });
  return { d, src, dst };
}
const me = { uid: process.getuid!(), gid: process.getgid!() };
const op = (src: string, rel: string): SyncOp => ({ source: join(src, rel), rel });

test('new files land under new directories with their content, mode and mtime', () => {
  const { src, dst } = dirs();
  mkdirSync(join(src, 'a/b'), { recursive: true });
  writeFileSync(join(src, 'a/b/run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(src, 'a/b/run.sh'), 0o754);
  utimesSync(join(src, 'a/b/run.sh'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  const r = syncInto(dst, [op(src, 'a/b/run.sh')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(r.files, 1);
  assert.equal(readFileSync(join(dst, 'a/b/run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  const st = statSync(join(dst, 'a/b/run.sh'));
  assert.equal(st.mode & 0o7777, 0o754);
  assert.equal(st.mtime.toISOString(), '2020-01-02T03:04:05.000Z');
  assert.deepEqual(readdirSync(join(dst, 'a/b')), ['run.sh'], 'no temp file is left beside it');
});

test('files and the directories made for them belong to the container user', (t) => {
  if (process.getuid!() !== 0) { t.skip('chown to another uid needs root'); return; }
  const { src, dst } = dirs();
  mkdirSync(join(src, 'x'));
  writeFileSync(join(src, 'x/f'), 'data');
  const r = syncInto(dst, [op(src, 'x/f')], { uid: 1234, gid: 2345 });
  assert.deepEqual(r.errors, []);
  for (const p of ['x', 'x/f']) {
    const st = lstatSync(join(dst, p));
    assert.deepEqual([st.uid, st.gid], [1234, 2345], p);
  }
});

test('an update replaces the content of an existing file, even a read-only one', () => {
  const { src, dst } = dirs();
  writeFileSync(join(dst, 'f.txt'), 'old');
  chmodSync(join(dst, 'f.txt'), 0o444);
  writeFileSync(join(src, 'f.txt'), 'new content');
  const r = syncInto(dst, [op(src, 'f.txt')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(readFileSync(join(dst, 'f.txt'), 'utf8'), 'new content');
});

test('paths gone on the host are deleted, directories with their whole tree', () => {
  const { src, dst } = dirs();
  mkdirSync(join(dst, 'old/deep/er'), { recursive: true });
  writeFileSync(join(dst, 'old/deep/er/f'), 'x');
  writeFileSync(join(dst, 'gone.txt'), 'x');
  const r = syncInto(dst, [op(src, 'old'), op(src, 'gone.txt'), op(src, 'never-existed')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(r.deleted, 2);
  assert.deepEqual(readdirSync(dst), []);
});

test('a rename (old path gone, new path present) moves the file in one batch', () => {
  const { src, dst } = dirs();
  writeFileSync(join(dst, 'before.js'), 'v1');
  writeFileSync(join(src, 'after.js'), 'v1');
  const r = syncInto(dst, [op(src, 'before.js'), op(src, 'after.js')], me);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(readdirSync(dst), ['after.js']);
});

test('a directory renamed on the host appears under its new name and leaves the old one', () => {
  const { src, dst } = dirs();
  mkdirSync(join(dst, 'lib'));
  writeFileSync(join(dst, 'lib/a.js'), 'a');
  mkdirSync(join(src, 'pkg'));
  writeFileSync(join(src, 'pkg/a.js'), 'a');
  const r = syncInto(dst, [op(src, 'lib'), op(src, 'pkg'), op(src, 'pkg/a.js')], me);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(readdirSync(dst), ['pkg']);
  assert.equal(readFileSync(join(dst, 'pkg/a.js'), 'utf8'), 'a');
});

test('a file that became a directory, and a directory that became a file, are replaced', () => {
  const { src, dst } = dirs();
  writeFileSync(join(dst, 'x'), 'file');
  mkdirSync(join(dst, 'y/z'), { recursive: true });
  mkdirSync(join(src, 'x'));
  writeFileSync(join(src, 'x/inner'), 'in');
  writeFileSync(join(src, 'y'), 'now a file');
  const r = syncInto(dst, [op(src, 'x'), op(src, 'x/inner'), op(src, 'y')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(readFileSync(join(dst, 'x/inner'), 'utf8'), 'in');
  assert.equal(readFileSync(join(dst, 'y'), 'utf8'), 'now a file');
});

test('a symlink in the source is copied as a symlink, never followed', () => {
  const { src, dst } = dirs();
  symlinkSync('/etc/hostname', join(src, 'link'));
  symlinkSync('../elsewhere', join(src, 'rel'));
  const r = syncInto(dst, [op(src, 'link'), op(src, 'rel')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(r.symlinks, 2);
  assert.ok(lstatSync(join(dst, 'link')).isSymbolicLink());
  assert.equal(readlinkSync(join(dst, 'link')), '/etc/hostname');
  assert.equal(readlinkSync(join(dst, 'rel')), '../elsewhere');
});

test('a symlink to / in the target root is not written through: the sync is refused with a clear error', () => {
  const { d, src, dst } = dirs();
  const outside = join(d, 'outside');
  mkdirSync(outside);
  symlinkSync('/', join(dst, 'esc'));
  symlinkSync(outside, join(dst, 'abs'));
  mkdirSync(join(src, 'esc'));
  mkdirSync(join(src, 'abs'));
  writeFileSync(join(src, 'abs/pwned'), 'x');
  const name = `tscompose-watch-escape-${process.pid}`;
  writeFileSync(join(src, 'esc', name), 'x');
  const r = syncInto(dst, [op(src, `esc/${name}`), op(src, 'abs/pwned')], me);
  assert.equal(r.files, 0);
  assert.equal(r.errors.length, 2);
  for (const e of r.errors) {
    assert.ok(e instanceof SymlinkEscapeError, String(e));
    assert.match(e.message, /refusing to sync .*symlink that leads outside the target root/);
  }
  assert.equal(existsSync(`/${name}`), false);
  assert.deepEqual(readdirSync(outside), []);
});

test('a relative ../.. symlink in the target root cannot be used to escape, for writes or deletes', () => {
  const { d, src, dst } = dirs();
  mkdirSync(join(dst, 'app'));
  symlinkSync('../..', join(dst, 'app/up'));
  writeFileSync(join(d, 'victim'), 'keep me');
  mkdirSync(join(src, 'app/up'), { recursive: true });
  writeFileSync(join(src, 'app/up/victim'), 'overwritten');
  // Write through app/up/victim, then a delete of app/up/victim (absent in a second source).
  const w = syncInto(dst, [op(src, 'app/up/victim')], me);
  assert.ok(w.errors[0] instanceof SymlinkEscapeError);
  const gone = join(d, 'empty-src');
  mkdirSync(gone);
  const del = syncInto(dst, [op(gone, 'app/up/victim')], me);
  assert.ok(del.errors[0] instanceof SymlinkEscapeError);
  assert.equal(readFileSync(join(d, 'victim'), 'utf8'), 'keep me');
});

test('a symlink at the final name is replaced, not written through', () => {
  const { d, src, dst } = dirs();
  writeFileSync(join(d, 'victim'), 'keep me');
  symlinkSync(join(d, 'victim'), join(dst, 'app.js'));
  writeFileSync(join(src, 'app.js'), 'new');
  const r = syncInto(dst, [op(src, 'app.js')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(lstatSync(join(dst, 'app.js')).isFile(), true);
  assert.equal(readFileSync(join(dst, 'app.js'), 'utf8'), 'new');
  assert.equal(readFileSync(join(d, 'victim'), 'utf8'), 'keep me');
});

test('deleting a directory removes symlinks inside it without touching what they point to', () => {
  const { d, src, dst } = dirs();
  const outside = join(d, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'precious'), 'x');
  mkdirSync(join(dst, 'tree'));
  symlinkSync(outside, join(dst, 'tree/link'));
  const r = syncInto(dst, [op(src, 'tree')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(existsSync(join(dst, 'tree')), false);
  assert.deepEqual(readdirSync(outside), ['precious']);
});

test('files equal in content and mode are left alone and differing ones written', () => {
  const { src, dst } = dirs();
  writeFileSync(join(src, 'same'), 'abc');
  writeFileSync(join(dst, 'same'), 'abc');
  chmodSync(join(src, 'same'), 0o644);
  chmodSync(join(dst, 'same'), 0o644);
  writeFileSync(join(src, 'diff'), 'abc');
  writeFileSync(join(dst, 'diff'), 'abd');
  const before = lstatSync(join(dst, 'same')).ino;
  const r = syncInto(dst, [op(src, 'same'), op(src, 'diff')], me);
  assert.deepEqual([r.files, r.unchanged], [1, 1]);
  assert.equal(lstatSync(join(dst, 'same')).ino, before);
  assert.equal(readFileSync(join(dst, 'diff'), 'utf8'), 'abc');
});

test('a target that is the source itself (a bind mount of the watched dir) is not rewritten', () => {
  const { src } = dirs();
  writeFileSync(join(src, 'f'), 'x');
  const ino = lstatSync(join(src, 'f')).ino;
  const r = syncInto(src, [op(src, 'f')], me);
  assert.deepEqual([r.files, r.unchanged, r.errors.length], [0, 1, 0]);
  assert.equal(lstatSync(join(src, 'f')).ino, ino);
});

test('one failing path does not stop the others in the batch', () => {
  const { src, dst } = dirs();
  symlinkSync('/', join(dst, 'esc'));
  mkdirSync(join(src, 'esc'));
  writeFileSync(join(src, 'esc/x'), 'x');
  writeFileSync(join(src, 'ok'), 'fine');
  const r = syncInto(dst, [op(src, 'esc/x'), op(src, 'ok')], me);
  assert.equal(r.errors.length, 1);
  assert.equal(readFileSync(join(dst, 'ok'), 'utf8'), 'fine');
  unlinkSync(join(dst, 'esc'));
});

test('an existing file is rewritten in place, but a hard-linked one is replaced so its other name keeps the old content', () => {
  const { src, dst } = dirs();
  writeFileSync(join(dst, 'plain'), 'old');
  writeFileSync(join(dst, 'linked'), 'old');
  linkSync(join(dst, 'linked'), join(dst, 'other-name'));
  const ino = lstatSync(join(dst, 'plain')).ino;
  writeFileSync(join(src, 'plain'), 'new');
  writeFileSync(join(src, 'linked'), 'new');
  const r = syncInto(dst, [op(src, 'plain'), op(src, 'linked')], me);
  assert.deepEqual(r.errors, []);
  assert.equal(lstatSync(join(dst, 'plain')).ino, ino);
  assert.equal(readFileSync(join(dst, 'plain'), 'utf8'), 'new');
  assert.equal(readFileSync(join(dst, 'linked'), 'utf8'), 'new');
  assert.equal(readFileSync(join(dst, 'other-name'), 'utf8'), 'old');
});

test('a shorter new version leaves no tail of the old content', () => {
  const { src, dst } = dirs();
  writeFileSync(join(dst, 'f'), 'a much longer old content');
  writeFileSync(join(src, 'f'), 'short');
  syncInto(dst, [op(src, 'f')], me);
  assert.equal(readFileSync(join(dst, 'f'), 'utf8'), 'short');
});

test('a file already synced is not touched again, and a same-size edit still goes through', () => {
  const { src, dst } = dirs();
  writeFileSync(join(src, 'f'), 'content');
  syncInto(dst, [op(src, 'f')], me);
  const first = statSync(join(dst, 'f'), { bigint: true });
  const again = syncInto(dst, [op(src, 'f')], me);
  assert.deepEqual([again.files, again.unchanged], [0, 1]);
  assert.equal(statSync(join(dst, 'f'), { bigint: true }).ctimeNs, first.ctimeNs, 'not touched at all');
  writeFileSync(join(src, 'f'), 'CONTENT'); // same size, new mtime
  assert.equal(syncInto(dst, [op(src, 'f')], me).files, 1);
  assert.equal(readFileSync(join(dst, 'f'), 'utf8'), 'CONTENT');
});

test('a running executable is replaced by rename, since it cannot be opened for writing', async () => {
  const { src, dst } = dirs();
  copyFileSync('/bin/sleep', join(dst, 'app'));
  chmodSync(join(dst, 'app'), 0o755);
  const child = spawn(join(dst, 'app'), ['30'], { stdio: 'ignore' });
  try {
    await new Promise<void>((r) => child.once('spawn', () => r()));
    writeFileSync(join(src, 'app'), '#!/bin/sh\necho v2\n');
    chmodSync(join(src, 'app'), 0o755);
    const r = syncInto(dst, [op(src, 'app')], me);
    assert.deepEqual(r.errors, []);
    assert.equal(readFileSync(join(dst, 'app'), 'utf8'), '#!/bin/sh\necho v2\n');
  } finally {
    child.kill('SIGKILL');
  }
});
