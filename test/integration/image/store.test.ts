// The image store on a real file system: import, resolve, list, remove, prune, digest checks, and
// two processes updating the refs index at once.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn, execFileSync } from 'node:child_process';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { busyboxImage, busyboxTar, busyboxRootfsDir, BUSYBOX_REF } from '../../helpers/images.ts';
import { openImageStore, type ImageStore } from '../../../executor/image/store.ts';
import { ImageError } from '../../../executor/image/errors.ts';
import { sha256 } from '../../../executor/image/digest.ts';
import { beginLease } from '../../../executor/image/lease.ts';
import { lgetxattr, lsetxattr } from '../../../executor/sys/fsnode.ts';

let env: TestEnv;
before(() => { env = testEnv('store'); });
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});
let k = 0;
const fresh = (): ImageStore => openImageStore(join(env.root, `s${++k}`, 'images'));
const C = '2001-01-01T00:00:00Z';

describe('image store', () => {
  test('an imported tarball resolves by name, normalised name, id and id prefix', async () => {
    const store = fresh();
    const img = await busyboxImage(store);
    assert.equal(img.ref, `docker.io/${BUSYBOX_REF}`);
    assert.deepEqual(img.config.Cmd, ['sh']);
    assert.equal(img.layerDirs.length, 1);
    assert.ok(existsSync(join(img.layerDirs[0]!, 'bin/busybox')));
    for (const r of ['tscompose-test/busybox', 'docker.io/tscompose-test/busybox:latest', img.id, img.id.slice(7, 19)]) {
      assert.equal((await store.resolve(r))?.id, img.id, r);
    }
    assert.equal(await store.resolve('tscompose-test/busybox:other'), undefined);
    assert.equal(await store.resolve('nothing-here'), undefined);
  });

  test('importing the same archive twice, even in parallel, gives one image and one layer dir', async () => {
    const store = fresh();
    const [a, b] = await Promise.all([
      store.import(busyboxTar(), 'x/one:1', { created: '2000-01-01T00:00:00Z' }),
      store.import(busyboxTar(), 'x/two:1', { created: '2000-01-01T00:00:00Z' }),
    ]);
    assert.equal(a.id, b.id);
    assert.deepEqual(a.layerDirs, b.layerDirs);
    assert.equal(readdirSync(join(store.root, 'layers')).length, 1);
    const list = await store.list();
    assert.equal(list.length, 1);
    assert.deepEqual(list[0]!.refs.sort(), ['docker.io/x/one:1', 'docker.io/x/two:1']);
  });

  test('a directory and a gzip tarball import as one-layer images with the same files', async () => {
    const store = fresh();
    const fromDir = await store.import(busyboxRootfsDir(), 'x/dir:1');
    const gz = join(env.dir, 'bb.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(busyboxTar())));
    const fromGz = await store.import(gz, 'x/gz:1', { config: { Cmd: ['/bin/sh', '-c', 'true'], Env: ['A=1'] } });
    for (const img of [fromDir, fromGz]) {
      assert.ok(existsSync(join(img.layerDirs[0]!, 'bin/busybox')));
      assert.match(readFileSync(join(img.layerDirs[0]!, 'etc/passwd'), 'utf8'), /^user:x:1000/m);
    }
    assert.deepEqual(fromGz.config.Env, ['A=1']);
    const manifest = JSON.parse(store.blobs.read(fromGz.digest).toString()) as { layers: { mediaType: string }[] };
    assert.equal(manifest.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  });

  test('a directory import keeps device nodes, fifos, hard links and xattrs', async () => {
    const store = fresh();
    const dir = join(env.dir, 'rootfs-special');
    mkdirSync(join(dir, 'dev'), { recursive: true });
    execFileSync('mknod', [join(dir, 'dev/null'), 'c', '1', '3']);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    writeFileSync(join(dir, 'file'), 'x');
    execFileSync('ln', [join(dir, 'file'), join(dir, 'hard')]);
    lsetxattr(join(dir, 'file'), 'user.k', 'v');
    const img = await store.import(dir, 'x/special:1');
    const root = img.layerDirs[0]!;
    assert.ok(lstatSync(join(root, 'dev/null')).isCharacterDevice());
    assert.ok(lstatSync(join(root, 'fifo')).isFIFO());
    assert.equal(lstatSync(join(root, 'hard')).ino, lstatSync(join(root, 'file')).ino);
    assert.equal(lgetxattr(join(root, 'file'), 'user.k')?.toString(), 'v');
  });

  test('a blob whose content does not match its digest is refused and not stored', async () => {
    const store = fresh();
    const wrong = sha256('something else');
    assert.throws(() => store.blobs.putBytes('data', wrong), (e) => e instanceof ImageError && e.code === 'DIGEST_MISMATCH');
    assert.equal(store.blobs.has(wrong), false);
    assert.equal(store.blobs.has(sha256('data')), false);
  });

  test('a missing source is a typed error naming it', async () => {
    await assert.rejects(fresh().import(join(env.dir, 'nope.tar'), 'x/y'), (e) => e instanceof ImageError && /nope\.tar/.test(e.message));
  });

  test('rm untags; the image data goes with its last tag', async () => {
    const store = fresh();
    const img = await store.import(busyboxTar(), 'x/a:1', { created: C });
    await store.import(busyboxTar(), 'x/b:1', { created: C });
    assert.deepEqual(await store.remove('x/a:1'), ['docker.io/x/a:1']);
    assert.ok(existsSync(img.layerDirs[0]!), 'still tagged as x/b:1');
    assert.ok(store.blobs.has(img.digest));
    await assert.rejects(store.remove('x/b'), (e) => e instanceof ImageError && e.code === 'IMAGE_NOT_FOUND', 'x/b means x/b:latest');
    assert.deepEqual(await store.remove('x/b:1'), ['docker.io/x/b:1']);
    assert.equal(existsSync(img.layerDirs[0]!), false);
    assert.equal(store.blobs.has(img.digest), false);
    assert.deepEqual(store.blobs.list(), []);
  });

  test('rm refuses the last tag of an image a container uses unless forced; prune keeps its layers', async () => {
    const store = fresh();
    const img = await store.import(busyboxTar(), 'x/a:1', { created: C });
    await store.import(busyboxTar(), 'x/b:1', { created: C });
    const cdir = join(store.root, '..', 'containers', 'c1');
    mkdirSync(cdir, { recursive: true });
    writeFileSync(join(cdir, 'rootfs.json'), JSON.stringify({ layerDirs: img.layerDirs }));
    await assert.rejects(store.remove(img.id), (e) => e instanceof ImageError && e.code === 'IMAGE_IN_USE' && /c1/.test(e.message));
    assert.equal((await store.list()).length, 1, 'nothing untagged by the refused rm');
    assert.deepEqual(await store.remove('x/a:1'), ['docker.io/x/a:1'], 'a tag that is not the last one goes');
    assert.deepEqual((await store.remove(img.id, { force: true })).sort(), ['docker.io/x/b:1']);
    assert.deepEqual(await store.list(), []);
    assert.equal(store.blobs.has(img.digest), false, 'manifest blob removed');
    assert.ok(existsSync(img.layerDirs[0]!), 'layer kept: a container uses it');
    writeFileSync(join(cdir, 'rootfs.json'), JSON.stringify({ layerDirs: [] }));
    const r = await store.prune();
    assert.equal(r.layers, 1);
    assert.equal(existsSync(img.layerDirs[0]!), false);
    await assert.rejects(store.remove('x/a:1'), (e) => e instanceof ImageError && e.code === 'IMAGE_NOT_FOUND');
  });

  test('prune keeps what an operation in flight wrote but has not tagged yet (a live lease)', async () => {
    const store = fresh();
    const release = beginLease(store.root);
    const b = store.blobs.putBytes('half-imported');
    try {
      await store.prune();
      assert.ok(store.blobs.has(b.digest), 'kept while the lease lives');
    } finally {
      release();
    }
    await store.prune();
    assert.equal(store.blobs.has(b.digest), false, 'collected once the lease is gone');
    // a lease whose process died does not protect anything
    const dead = join(store.root, 'leases', '999999999-dead');
    writeFileSync(dead, JSON.stringify({ pid: 999999999, start: 0 }));
    const c = store.blobs.putBytes('orphan');
    await store.prune();
    assert.equal(store.blobs.has(c.digest), false);
    assert.equal(existsSync(dead), false, 'the dead lease is cleaned up');
  });

  test('two processes tagging at once never lose each other\'s refs', async () => {
    const store = fresh();
    const img = await busyboxImage(store);
    const script = `
      import { openImageStore } from ${JSON.stringify(new URL('../../../executor/image/store.ts', import.meta.url).href)};
      const s = openImageStore(${JSON.stringify(store.root)});
      const tag = process.argv[1];
      await Promise.all(Array.from({ length: 25 }, (_, i) => s.refs.set('docker.io/p/' + tag + ':' + i, ${JSON.stringify(img.digest)})));
    `;
    const run = (tag: string) => new Promise<number>((res) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script, tag], { stdio: 'inherit' });
      c.on('exit', (code) => res(code ?? 1));
    });
    assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
    const refs = Object.keys(store.refs.all()).filter((r) => r.startsWith('docker.io/p/'));
    assert.equal(refs.length, 50);
  });
});
