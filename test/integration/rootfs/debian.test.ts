// A real distribution as a container rootfs: the Debian base built by debootstrap (skipped, with
// the reason, where it could not be built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { debianImage, DEBIAN_MISSING } from '../../helpers/images.ts';
import { openImageStore } from '../../../executor/image/store.ts';
import { mountRootfs, removeRootfs } from '../../../executor/rootfs/rootfs.ts';

let env: TestEnv;
before(() => { env = testEnv('debian'); });
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});

test('the Debian base imports and its tools run in the mounted rootfs', async (t) => {
  const img = await debianImage(openImageStore(join(env.root, 'images')));
  if (!img) return t.skip(DEBIAN_MISSING);
  const dir = join(env.root, 'containers', 'deb');
  const { merged } = await mountRootfs({ containerDir: dir, layerDirs: img.layerDirs, initFiles: { '/etc/hostname': 'deb\n' } });
  try {
    const out = execFileSync('chroot', [merged, '/bin/bash', '-c', 'cat /etc/debian_version; dpkg-query -W -f="${Package}\\n" | wc -l; id -u'], { encoding: 'utf8' });
    const [version, packages, uid] = out.trim().split('\n');
    assert.match(version!, /^12\./);
    assert.ok(Number(packages) > 50, `${packages} packages`);
    assert.equal(uid, '0');
  } finally {
    await removeRootfs(dir);
  }
});
