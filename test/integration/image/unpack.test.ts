// Layer unpacking against the real file system and a real overlay mount: OCI semantics (owners,
// modes, links, devices, xattrs, whiteouts) and containment of hostile archives.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, lstatSync, readlinkSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { craftTar, gzip, zstd, type CraftEntry } from '../../helpers/tar-craft.ts';
import { unpackLayer } from '../../../executor/image/unpack.ts';
import { LayerError } from '../../../executor/image/errors.ts';
import { lgetxattr } from '../../../executor/sys/fsnode.ts';
import { mount, umount2 } from '../../../executor/sys/mount.ts';

let env: TestEnv;
let n = 0;
before(() => { env = testEnv('unpack'); });
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});

/** Writes `entries` as a layer blob (optionally compressed) and unpacks it into a fresh dir. */
async function unpack(entries: CraftEntry[], compress: (b: Buffer) => Buffer = (b) => b, worker = false) {
  const id = ++n;
  const blob = join(env.dir, `layer${id}.tar`);
  const tarBytes = craftTar(entries);
  writeFileSync(blob, compress(tarBytes));
  const dest = join(env.dir, `l${id}`, 'root');
  mkdirSync(dest, { recursive: true });
  const outside = join(env.dir, `l${id}`, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'untouched');
  let error: unknown;
  let result;
  try { result = await unpackLayer(blob, dest, { worker }); } catch (e) { error = e; }
  return { dest, outside, result, error, tarBytes };
}

function assertOutsideUntouched(outside: string) {
  assert.deepEqual(readdirSync(outside), ['secret']);
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'untouched');
}

describe('layer unpacking', () => {
  test('files keep their content, owner, mode and mtime; dirs too', async () => {
    const mtime = new Date('2020-02-02T02:02:02Z');
    const { dest, error } = await unpack([
      { path: 'etc/', mode: 0o750, uid: 3, gid: 4, mtime },
      { path: 'etc/conf', data: 'x=1\n', mode: 0o4755, uid: 1000, gid: 1001, mtime },
    ]);
    assert.equal(error, undefined);
    const f = lstatSync(join(dest, 'etc/conf'));
    assert.equal(readFileSync(join(dest, 'etc/conf'), 'utf8'), 'x=1\n');
    assert.equal(f.mode & 0o7777, 0o4755, 'setuid survives the chown');
    assert.deepEqual([f.uid, f.gid], [1000, 1001]);
    assert.equal(f.mtimeMs, mtime.getTime());
    const d = lstatSync(join(dest, 'etc'));
    assert.equal(d.mode & 0o7777, 0o750);
    assert.deepEqual([d.uid, d.gid], [3, 4]);
    assert.equal(d.mtimeMs, mtime.getTime(), 'dir mtime is set after its children');
  });

  test('symlinks, hard links, device nodes, fifos and xattrs are recreated', async () => {
    const { dest, error } = await unpack([
      { path: 'bin/busybox', data: 'ELF', mode: 0o755 },
      { path: 'bin/sh', type: 'SymbolicLink', linkpath: '/bin/busybox' },
      { path: 'bin/ls', type: 'Link', linkpath: 'bin/busybox' },
      { path: 'dev/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666 },
      { path: 'dev/loop9', type: 'BlockDevice', devmaj: 7, devmin: 9, mode: 0o660 },
      { path: 'run/fifo', type: 'FIFO', mode: 0o600 },
      { path: 'data/tagged', data: 'y', xattrs: { 'user.origin': 'layer', 'trusted.overlay.redirect': '/etc' } },
    ]);
    assert.equal(error, undefined);
    assert.equal(readlinkSync(join(dest, 'bin/sh')), '/bin/busybox');
    assert.equal(lstatSync(join(dest, 'bin/ls')).ino, lstatSync(join(dest, 'bin/busybox')).ino);
    const nul = lstatSync(join(dest, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o777, 0o666);
    const loop = lstatSync(join(dest, 'dev/loop9'));
    assert.ok(loop.isBlockDevice());
    assert.equal(loop.rdev, (7 << 8) | 9);
    assert.ok(lstatSync(join(dest, 'run/fifo')).isFIFO());
    assert.equal(lgetxattr(join(dest, 'data/tagged'), 'user.origin')?.toString(), 'layer');
    assert.equal(lgetxattr(join(dest, 'data/tagged'), 'trusted.overlay.redirect'), undefined, 'overlay xattrs from a layer are dropped');
  });

  test('the diff ID is the sha256 of the uncompressed tar, whatever the compression', async () => {
    const entries: CraftEntry[] = [{ path: 'a', data: 'same bytes' }];
    const plain = await unpack(entries);
    const gz = await unpack(entries, gzip);
    const zs = await unpack(entries, zstd);
    const want = 'sha256:' + createHash('sha256').update(plain.tarBytes).digest('hex');
    assert.equal(plain.result?.diffId, want);
    assert.equal(gz.result?.diffId, want);
    assert.equal(zs.result?.diffId, want);
    assert.equal(readFileSync(join(zs.dest, 'a'), 'utf8'), 'same bytes');
  });

  test('whiteouts become 0/0 character devices and opaque markers the overlay xattr', async () => {
    const { dest, error } = await unpack([
      { path: 'etc/' },
      { path: 'etc/.wh.motd', data: '' },
      { path: 'var/cache/' },
      { path: 'var/cache/.wh..wh..opq', data: '' },
      { path: 'var/cache/new', data: 'n' },
      { path: '.wh..wh.plnk/', type: 'Directory' },
      { path: '.wh..wh.aufs', data: '' },
    ]);
    assert.equal(error, undefined);
    assert.deepEqual(readdirSync(dest).sort(), ['etc', 'var'], 'aufs bookkeeping entries are skipped');
    const wh = lstatSync(join(dest, 'etc/motd'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.equal(existsSync(join(dest, 'etc/.wh.motd')), false);
    assert.equal(lgetxattr(join(dest, 'var/cache'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(readFileSync(join(dest, 'var/cache/new'), 'utf8'), 'n');
  });

  test('an overlay of unpacked layers honours the whiteouts and opaque dirs', async () => {
    const lower = await unpack([
      { path: 'etc/motd', data: 'hello' },
      { path: 'etc/keep', data: 'kept' },
      { path: 'var/cache/old1', data: '1' },
      { path: 'var/cache/sub/old2', data: '2' },
    ]);
    const upper = await unpack([
      { path: 'etc/.wh.motd', data: '' },
      { path: 'var/cache/.wh..wh..opq', data: '' },
      { path: 'var/cache/new', data: 'n' },
    ]);
    const m = join(env.dir, 'ovl');
    for (const d of ['m', 'u', 'w']) mkdirSync(join(m, d), { recursive: true });
    mount('overlay', join(m, 'm'), 'overlay', 0, `lowerdir=${upper.dest}:${lower.dest},upperdir=${join(m, 'u')},workdir=${join(m, 'w')}`);
    try {
      assert.deepEqual(readdirSync(join(m, 'm/etc')).sort(), ['keep']);
      assert.deepEqual(readdirSync(join(m, 'm/var/cache')), ['new']);
    } finally {
      umount2(join(m, 'm'));
    }
  });

  test('a file replaces a symlink of the same name instead of writing through it', async () => {
    const { dest, outside, error } = await unpack([]);
    assert.equal(error, undefined);
    const r = await unpack([
      { path: 'f', type: 'SymbolicLink', linkpath: join(outside, 'secret') },
      { path: 'f', data: 'replaced' },
    ]);
    assert.equal(r.error, undefined);
    assert.ok(lstatSync(join(r.dest, 'f')).isFile());
    assert.equal(readFileSync(join(r.dest, 'f'), 'utf8'), 'replaced');
    assertOutsideUntouched(r.outside);
    void dest;
  });
  test('a later entry replaces an earlier one of the same name, whatever their kinds', async () => {
    const { dest, error } = await unpack([
      { path: 'a/x', data: 'in dir' },
      { path: 'a', data: 'file now' },
      { path: 'b', data: 'file first' },
      { path: 'b/' },
      { path: 'b/y', data: 'dir now' },
      { path: 'c', data: 'one' },
      { path: 'c', type: 'SymbolicLink', linkpath: 'a' },
      { path: 'd/.wh.e', data: '' },
      { path: 'd/e', data: 'recreated after its whiteout' },
    ]);
    assert.equal(error, undefined);
    assert.equal(readFileSync(join(dest, 'a'), 'utf8'), 'file now');
    assert.equal(readFileSync(join(dest, 'b/y'), 'utf8'), 'dir now');
    assert.equal(readlinkSync(join(dest, 'c')), 'a');
    assert.equal(readFileSync(join(dest, 'd/e'), 'utf8'), 'recreated after its whiteout');
  });
});

describe('hostile layers never write outside the layer dir', () => {
  test('a path with ".." climbing out rejects the layer', async () => {
    const { outside, error } = await unpack([{ path: '../outside/pwned', data: 'x' }]);
    assert.ok(error instanceof LayerError, String(error));
    assert.match((error as LayerError).message, /\.\./);
    assertOutsideUntouched(outside);
  });

  test('".." deeper in a path that stays inside is accepted', async () => {
    const { dest, error } = await unpack([{ path: 'a/b/../c', data: 'ok' }]);
    assert.equal(error, undefined);
    assert.equal(readFileSync(join(dest, 'a/c'), 'utf8'), 'ok');
  });

  test('absolute paths land inside the layer', async () => {
    const probe = join(env.dir, 'abs-probe');
    const { dest, error } = await unpack([{ path: `${probe}/file`, data: 'in' }]);
    assert.equal(error, undefined);
    assert.equal(existsSync(probe), false, 'nothing at the absolute path on the host');
    assert.equal(readFileSync(join(dest, probe, 'file'), 'utf8'), 'in');
  });

  test('a symlink pointing out and then written through rejects the layer', async () => {
    const n0 = n + 1;
    const outsideOf = join(env.dir, `l${n0}`, 'outside');
    const { outside, error } = await unpack([
      { path: 'escape', type: 'SymbolicLink', linkpath: outsideOf },
      { path: 'escape/pwned', data: 'x' },
    ]);
    assert.equal(outside, outsideOf);
    assert.ok(error instanceof LayerError, String(error));
    assert.match((error as LayerError).message, /symlink/);
    assertOutsideUntouched(outside);
  });

  test('a relative symlink climbing out and then written through rejects the layer', async () => {
    const { outside, error } = await unpack([
      { path: 'a/up', type: 'SymbolicLink', linkpath: '../../outside' },
      { path: 'a/up/secret', data: 'overwritten' },
    ]);
    assert.ok(error instanceof LayerError, String(error));
    assertOutsideUntouched(outside);
  });

  test('a directory entry through a symlink rejects the layer', async () => {
    const { outside, error } = await unpack([
      { path: 'up', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'up/newdir/' },
    ]);
    assert.ok(error instanceof LayerError, String(error));
    assertOutsideUntouched(outside);
  });

  test('a hard link to a file outside rejects the layer', async () => {
    const { outside, error } = await unpack([{ path: 'h', type: 'Link', linkpath: '../outside/secret' }]);
    assert.ok(error instanceof LayerError, String(error));
    assertOutsideUntouched(outside);
  });

  test('an absolute hard link name is looked up inside the layer, not on the host', async () => {
    const { outside, error } = await unpack([{ path: 'h', type: 'Link', linkpath: join(env.dir, 'l-none', 'outside', 'secret') }]);
    assert.ok(error instanceof LayerError, String(error));
    assert.match((error as LayerError).message, /does not exist in the layer/);
    assertOutsideUntouched(outside);
  });

  test('a hard link through a symlinked dir rejects the layer', async () => {
    const { outside, error } = await unpack([
      { path: 'up', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'h', type: 'Link', linkpath: 'up/secret' },
    ]);
    assert.ok(error instanceof LayerError, String(error));
    assertOutsideUntouched(outside);
  });

  test('a whiteout through a symlinked dir rejects the layer', async () => {
    const { outside, error } = await unpack([
      { path: 'up', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'up/.wh.secret', data: '' },
    ]);
    assert.ok(error instanceof LayerError, String(error));
    assertOutsideUntouched(outside);
  });

  test('on the worker thread (large layers) the same checks hold and errors keep their type', async () => {
    const bad = await unpack([
      { path: 'escape', type: 'SymbolicLink', linkpath: '/tmp' },
      { path: 'escape/pwned', data: 'x' },
    ], undefined, true);
    assert.ok(bad.error instanceof LayerError, String(bad.error));
    assert.equal((bad.error as LayerError).entry, 'escape/pwned');
    assert.equal(existsSync('/tmp/pwned'), false);
    const good = await unpack([{ path: 'a/b', data: 'ok', mode: 0o640, uid: 7 }], gzip, true);
    assert.equal(good.error, undefined);
    assert.equal(readFileSync(join(good.dest, 'a/b'), 'utf8'), 'ok');
    assert.equal(lstatSync(join(good.dest, 'a/b')).uid, 7);
    assert.match(good.result?.diffId ?? '', /^sha256:/);
  });

  test('a truncated archive is an error, not a partial layer', async () => {
    const id = ++n;
    const blob = join(env.dir, `trunc${id}.tar`);
    writeFileSync(blob, craftTar([{ path: 'big', data: Buffer.alloc(5000, 1) }]).subarray(0, 1500));
    const dest = join(env.dir, `trunc${id}`);
    mkdirSync(dest);
    await assert.rejects(unpackLayer(blob, dest), LayerError);
    rmSync(dest, { recursive: true, force: true });
  });
});
