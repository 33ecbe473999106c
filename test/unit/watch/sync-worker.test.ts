import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyncWorker } from '../../../executor/watch/sync-worker.ts';

const base = mkdtempSync(join(tmpdir(), 'tscompose-syncw-'));
after(() => rmSync(base, { recursive: true, force: true }));
const me = { uid: process.getuid!(), gid: process.getgid!() };

test('the sync worker applies a batch and brings per-path errors back with their code and hint', async () => {
  const src = join(base, 'src');
  const dst = join(base, 'dst');
  mkdirSync(join(src, 'esc'), { recursive: true });
  mkdirSync(dst);
  writeFileSync(join(src, 'a'), 'A');
  writeFileSync(join(src, 'esc/x'), 'x');
  symlinkSync('/', join(dst, 'esc'));
  const w = startSyncWorker();
  try {
    const r = await w.run(dst, [{ source: join(src, 'a'), rel: 'a' }, { source: join(src, 'esc/x'), rel: 'esc/x' }], me);
    assert.equal(r.files, 1);
    assert.equal(readFileSync(join(dst, 'a'), 'utf8'), 'A');
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.code, 'WATCH_SYMLINK_ESCAPE');
    assert.match(r.errors[0]!.hint ?? '', /never follows a symlink out of the container/);
  } finally { await w.close(); }
});

test('a target root that does not exist fails that call, and the worker keeps serving', async () => {
  const w = startSyncWorker();
  try {
    await assert.rejects(w.run(join(base, 'nope'), [{ source: '/etc/hostname', rel: 'h' }], me), /open root .*nope: ENOENT/);
    const dst = join(base, 'dst2');
    mkdirSync(dst);
    const r = await w.run(dst, [{ source: '/etc/hostname', rel: 'h' }], me);
    assert.equal(r.files, 1);
  } finally { await w.close(); }
});

test('after the worker is closed, syncs still happen (inline)', async () => {
  const w = startSyncWorker();
  await w.close();
  const dst = join(base, 'dst3');
  mkdirSync(dst);
  const r = await w.run(dst, [{ source: '/etc/hostname', rel: 'h' }], me);
  assert.equal(r.files, 1);
});
