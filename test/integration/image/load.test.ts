// `image load` of archives written by real tools: umoci (OCI layout) and skopeo (docker save format).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { umociLayout } from '../../helpers/images.ts';
import { openImageStore } from '../../../executor/image/store.ts';
import { ImageError } from '../../../executor/image/errors.ts';

let env: TestEnv;
let layout: string;
before(() => {
  env = testEnv('load');
  layout = join(env.dir, 'oci');
  umociLayout(layout, 'v1');
});
after(() => {
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});
let k = 0;
const fresh = () => openImageStore(join(env.root, `s${++k}`, 'images'));

describe('image load', () => {
  test('a docker save archive (written by skopeo) loads with its repo tags, plain and gzipped', async () => {
    const file = join(env.dir, 'save.tar');
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:v1`, `docker-archive:${file}:example.com/bb:v1`]);
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
    for (const f of [file, `${file}.gz`]) {
      const store = fresh();
      const [img, ...rest] = await store.load(f);
      assert.equal(rest.length, 0);
      assert.equal(img!.ref, 'example.com/bb:v1');
      assert.deepEqual(img!.config.Cmd, ['sh']);
      assert.ok(img!.config.Env?.includes('FROM_UMOCI=1'));
      assert.ok(existsSync(join(img!.layerDirs[0]!, 'bin/busybox')));
      assert.equal((await store.resolve('example.com/bb:v1'))?.id, img!.id);
    }
  });

  test('an OCI layout archive loads; a bare tag becomes a name unless a name is given', async () => {
    const file = join(env.dir, 'oci.tar');
    execFileSync('tar', ['-C', layout, '-cf', file, '.']);
    const store = fresh();
    const [a] = await store.load(file);
    assert.equal(a!.ref, 'docker.io/library/v1:latest');
    const [b] = await store.load(file, { ref: 'example.com/app' });
    assert.equal(b!.ref, 'example.com/app:v1');
    assert.equal(a!.id, b!.id);
    assert.ok(existsSync(join(b!.layerDirs[0]!, 'etc/passwd')));
  });

  test('an OCI archive with a corrupted blob is refused', async () => {
    const bad = join(env.dir, 'bad-oci');
    execFileSync('cp', ['-a', layout, bad]);
    const idx = JSON.parse(readFileSync(join(bad, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const mpath = join(bad, 'blobs/sha256', idx.manifests[0]!.digest.slice(7));
    const m = JSON.parse(readFileSync(mpath, 'utf8')) as { layers: { digest: string }[] };
    writeFileSync(join(bad, 'blobs/sha256', m.layers[0]!.digest.slice(7)), 'not the layer');
    const file = join(env.dir, 'bad.tar');
    execFileSync('tar', ['-C', bad, '-cf', file, '.']);
    await assert.rejects(fresh().load(file), (e) => e instanceof ImageError && e.code === 'DIGEST_MISMATCH');
  });

  test('a file that is not an image archive is a clear error', async () => {
    const file = join(env.dir, 'junk.tar');
    execFileSync('tar', ['-C', env.dir, '-cf', file, 'oci/oci-layout']);
    await assert.rejects(fresh().load(file), /neither a docker save archive/);
    await assert.rejects(fresh().load(join(env.dir, 'missing.tar')), /no such file/);
  });
});
