// Container root filesystems: a real overlay of the busybox image plus the init layer, mounted
// through koffi, run in with chroot, unmounted without a trace.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { busyboxImage, manyLayerImage } from '../../helpers/images.ts';
import { openImageStore, type ImageStore } from '../../../executor/image/store.ts';
import { mountRootfs, unmountRootfs, removeRootfs } from '../../../executor/rootfs/rootfs.ts';
import { isMountPoint } from '../../../executor/rootfs/mountinfo.ts';
import { hasNewMountApi } from '../../../executor/sys/mount.ts';

let env: TestEnv;
let store: ImageStore;
before(() => {
  env = testEnv('rootfs');
  store = openImageStore(join(env.root, 'images'));
});
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});

const init = { '/etc/hosts': '127.0.0.1 localhost\n10.0.0.2 web\n', '/etc/hostname': 'web-1\n', '/etc/resolv.conf': 'nameserver 10.0.0.1\n' };

describe('container rootfs', () => {
  test('the merged view has the image, the init files and mount-point stubs, and a process runs in it', async () => {
    const img = await busyboxImage(store);
    const dir = join(env.root, 'containers', 'c1');
    const { merged } = await mountRootfs({ containerDir: dir, layerDirs: img.layerDirs, initFiles: init, mountPoints: ['/data/db'] });
    try {
      assert.equal(merged, join(dir, 'merged'));
      assert.ok(isMountPoint(merged));
      assert.equal(readFileSync(join(merged, 'etc/hostname'), 'utf8'), 'web-1\n');
      assert.match(readFileSync(join(merged, 'etc/passwd'), 'utf8'), /^user:x:1000:1000:/m);
      for (const d of ['proc', 'sys', 'dev', 'data/db']) assert.ok(statSync(join(merged, d)).isDirectory(), d);
      const out = execFileSync('chroot', [merged, '/bin/sh', '-c', 'cat /etc/hosts; id -u user; echo written > /tmp/new'], { encoding: 'utf8' });
      assert.match(out, /10\.0\.0\.2 web/);
      assert.match(out, /^1000$/m);
      assert.equal(readFileSync(join(dir, 'upper/tmp/new'), 'utf8'), 'written\n', 'writes land in the upper dir');
      assert.equal(existsSync(join(img.layerDirs[0]!, 'tmp/new')), false, 'the image layer is untouched');
      assert.equal(statSync(join(merged, 'tmp')).mode & 0o7777, 0o1777, 'the image keeps its dir modes');
    } finally {
      await unmountRootfs(dir);
    }
    assert.equal(isMountPoint(merged), false);
    await unmountRootfs(dir); // idempotent
    assert.ok(existsSync(join(dir, 'upper/tmp/new')), 'unmount keeps the container layer for a restart');
    await removeRootfs(dir);
    assert.equal(existsSync(join(dir, 'upper')), false);
    await removeRootfs(dir); // idempotent
  });

  test('the init layer overrides image files and keeps image ownership of the dirs it creates', async () => {
    const img = await busyboxImage(store);
    const dir = join(env.root, 'containers', 'c2');
    const { merged } = await mountRootfs({
      containerDir: dir, layerDirs: img.layerDirs, initFiles: { '/etc/passwd': 'root:x:0:0::/:/bin/sh\n' }, mountPoints: ['/home/user/app'],
      fileMountPoints: ['/run/secrets/token', '/etc/group'],
    });
    try {
      assert.ok(statSync(join(merged, 'run/secrets/token')).isFile(), 'file stub where the image has nothing');
      assert.match(readFileSync(join(merged, 'etc/group'), 'utf8'), /^user:x:1000:/m, 'no stub over an image file');
      assert.equal(readFileSync(join(merged, 'etc/passwd'), 'utf8'), 'root:x:0:0::/:/bin/sh\n');
      assert.equal(statSync(join(merged, 'home/user')).uid, 1000);
      assert.equal(readFileSync(join(img.layerDirs[0]!, 'etc/passwd'), 'utf8').includes('user:x:1000'), true);
    } finally {
      await removeRootfs(dir);
    }
  });

  test('mounting twice is a no-op, and two containers share the image layers', async () => {
    const img = await busyboxImage(store);
    const a = join(env.root, 'containers', 'c3');
    const b = join(env.root, 'containers', 'c4');
    try {
      await mountRootfs({ containerDir: a, layerDirs: img.layerDirs, initFiles: init });
      assert.equal((await mountRootfs({ containerDir: a, layerDirs: img.layerDirs, initFiles: init })).strategy, 'already');
      await mountRootfs({ containerDir: b, layerDirs: img.layerDirs, initFiles: init });
      writeFileSync(join(a, 'merged/only-a'), 'a');
      assert.equal(existsSync(join(b, 'merged/only-a')), false);
    } finally {
      await removeRootfs(a);
      await removeRootfs(b);
    }
  });

  for (const strategy of ['fsconfig', 'chdir'] as const) {
    test(`a 120-layer image mounts (${strategy}) without overflowing the mount data page`, async (t) => {
      if (strategy === 'fsconfig' && !hasNewMountApi()) return t.skip('no fsopen/fsconfig in this libc');
      const img = await manyLayerImage(store, 120);
      assert.equal(img.layerDirs.length, 120);
      const dir = join(env.root, 'containers', `many-${strategy}`);
      const r = await mountRootfs({ containerDir: dir, layerDirs: img.layerDirs, initFiles: init, strategy });
      try {
        assert.equal(r.strategy, strategy);
        assert.equal(readdirSync(join(r.merged, 'layers')).length, 120);
        assert.equal(readFileSync(join(r.merged, 'top'), 'utf8'), '119', 'the last layer is on top');
        assert.equal(readFileSync(join(r.merged, 'etc/hostname'), 'utf8'), 'web-1\n');
      } finally {
        await removeRootfs(dir);
      }
      assert.equal(existsSync(join(dir, 'l')), false, 'no symlink dir left behind');
    });
  }

  test('the default strategy picks a working way for 120 layers', async () => {
    const img = await manyLayerImage(store, 120);
    const dir = join(env.root, 'containers', 'many-default');
    const r = await mountRootfs({ containerDir: dir, layerDirs: img.layerDirs, initFiles: {} });
    try {
      assert.notEqual(r.strategy, 'mount2');
      assert.equal(readFileSync(join(r.merged, 'top'), 'utf8'), '119');
    } finally {
      await removeRootfs(dir);
    }
  });
});
