// Pulling from a real registry (Debian's docker-registry on loopback), images pushed by skopeo.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { umociLayout } from '../../helpers/images.ts';
import { startRegistry, type TestRegistry } from '../../helpers/registry.ts';
import { openImageStore, type PullProgress } from '../../../executor/image/store.ts';
import { ImageError } from '../../../executor/image/errors.ts';
import { sha256 } from '../../../executor/image/digest.ts';
import { mountRootfs, removeRootfs } from '../../../executor/rootfs/rootfs.ts';

let env: TestEnv;
let reg: TestRegistry;
let layout: string;
before(async () => {
  env = testEnv('pull');
  reg = await startRegistry(join(env.dir, 'registry'));
  layout = join(env.dir, 'oci');
  umociLayout(layout, 'v1', { secondLayer: true });
  reg.push(layout, 'v1', 'team/bb:v1');
});
after(async () => {
  await reg?.stop();
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});
let k = 0;
const fresh = () => openImageStore(join(env.root, `s${++k}`, 'images'));

describe('pull', () => {
  test('an image pulls over plain HTTP from a loopback registry, layers verified and unpacked', async () => {
    const store = fresh();
    const events: PullProgress[] = [];
    const img = await store.pull(`${reg.host}/team/bb:v1`, { onProgress: (p) => events.push(p), dockerConfig: '{}' });
    assert.equal(img.ref, `${reg.host}/team/bb:v1`);
    assert.equal(img.layerDirs.length, 2);
    assert.ok(existsSync(join(img.layerDirs[0]!, 'bin/busybox')));
    const { merged } = await mountRootfs({ containerDir: join(env.root, 'c1'), layerDirs: img.layerDirs, initFiles: {} });
    try {
      assert.equal(readFileSync(join(merged, 'extra/hello.txt'), 'utf8'), 'second layer\n');
      assert.equal(existsSync(join(merged, 'etc/group')), false, 'whiteout of a file');
      assert.equal(existsSync(join(merged, 'var')), false, 'whiteout of a dir');
      assert.ok(existsSync(join(merged, 'etc/passwd')));
    } finally {
      await removeRootfs(join(env.root, 'c1'));
    }
    assert.ok(img.config.Env?.includes('FROM_UMOCI=1'));
    assert.equal(sha256(store.blobs.read(img.digest)), img.digest);
    const downloaded = events.filter((e) => e.status === 'downloaded');
    assert.equal(downloaded.length, 2);
    for (const d of downloaded) assert.equal(d.done, d.total);
    assert.equal((await store.resolve(`${reg.host}/team/bb:v1`))?.id, img.id);
  });

  test('a second pull downloads nothing: present layers are skipped', async () => {
    const store = fresh();
    await store.pull(`${reg.host}/team/bb:v1`, { dockerConfig: '{}' });
    const events: PullProgress[] = [];
    await store.pull(`${reg.host}/team/bb:v1`, { onProgress: (p) => events.push(p), dockerConfig: '{}' });
    assert.equal(events.filter((e) => e.status === 'downloading').length, 0);
    assert.equal(events.filter((e) => e.status === 'exists').length, 2);
  });

  test('pull by digest verifies the manifest digest; ensure(missing) pulls once', async () => {
    const store = fresh();
    const a = await store.ensure(`${reg.host}/team/bb:v1`, 'missing', { dockerConfig: '{}' });
    const b = await store.pull(`${reg.host}/team/bb@${a.digest}`, { dockerConfig: '{}' });
    assert.equal(b.id, a.id);
    await assert.rejects(fresh().ensure(`${reg.host}/team/bb:v1`, 'never'), (e) => e instanceof ImageError && e.code === 'IMAGE_NOT_FOUND');
    const wrong = sha256('nope');
    await assert.rejects(fresh().pull(`${reg.host}/team/bb@${wrong}`, { dockerConfig: '{}' }), ImageError);
  });

  test('a Docker v2 schema 2 manifest (as docker push writes it) pulls like an OCI one', async () => {
    reg.push(layout, 'v1', 'team/docker:v1', { format: 'v2s2' });
    const raw = await fetch(`http://${reg.host}/v2/team/docker/manifests/v1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(raw.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
    await raw.arrayBuffer();
    const store = fresh();
    const img = await store.pull(`${reg.host}/team/docker:v1`, { dockerConfig: '{}' });
    assert.equal(img.layerDirs.length, 2);
    assert.ok(img.config.Env?.includes('FROM_UMOCI=1'));
    const m = JSON.parse(store.blobs.read(img.digest).toString()) as { mediaType: string };
    assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  });

  test('an unknown repository or tag is IMAGE_NOT_FOUND naming the image', async () => {
    await assert.rejects(fresh().pull(`${reg.host}/team/bb:nope`, { dockerConfig: '{}' }),
      (e) => e instanceof ImageError && e.code === 'IMAGE_NOT_FOUND' && e.message.includes('team/bb:nope'));
  });

  test('an image index resolves to linux/amd64 by default and to another platform on request', async () => {
    // A second manifest (arm64 config) next to the amd64 one, tied together by an OCI index.
    const multi = join(env.dir, 'multi');
    execFileSync('cp', ['-a', layout, multi]);
    execFileSync('umoci', ['config', '--image', `${multi}:v1`, '--tag', 'arm', '--architecture', 'arm64', '--config.env', 'ARCH=arm64']);
    const idx = JSON.parse(readFileSync(join(multi, 'index.json'), 'utf8')) as { manifests: { digest: string; size: number; annotations: Record<string, string> }[] };
    const byTag = (t: string) => idx.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === t)!;
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: byTag('arm').digest, size: byTag('arm').size, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: byTag('v1').digest, size: byTag('v1').size, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }));
    const d = sha256(index);
    writeFileSync(join(multi, 'blobs/sha256', d.slice(7)), index);
    idx.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: d, size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } } as never);
    writeFileSync(join(multi, 'index.json'), JSON.stringify(idx));
    reg.push(multi, 'multi', 'team/multi:1', { all: true });

    const amd = await fresh().pull(`${reg.host}/team/multi:1`, { dockerConfig: '{}' });
    assert.equal(amd.architecture, 'amd64');
    const arm = await fresh().pull(`${reg.host}/team/multi:1`, { platform: 'linux/arm64', dockerConfig: '{}' });
    assert.equal(arm.architecture, 'arm64');
    assert.ok(arm.config.Env?.includes('ARCH=arm64'));
    await assert.rejects(fresh().pull(`${reg.host}/team/multi:1`, { platform: 'linux/s390x', dockerConfig: '{}' }),
      (e) => e instanceof ImageError && e.code === 'NO_PLATFORM' && /linux\/arm64/.test(e.message));
  });
});

describe('pull with basic auth', () => {
  let authReg: TestRegistry;
  before(async () => {
    authReg = await startRegistry(join(env.dir, 'registry-auth'), { user: 'alice', password: 's3cret' });
    authReg.push(layout, 'v1', 'private/bb:v1');
  });
  after(async () => { await authReg?.stop(); });

  test('credentials from a docker config.json open a registry that requires them', async () => {
    const cfg = JSON.stringify({ auths: { [authReg.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });
    const img = await fresh().pull(`${authReg.host}/private/bb:v1`, { dockerConfig: cfg });
    assert.equal(img.layerDirs.length, 2);
  });

  test('without credentials, or with wrong ones, the error says authentication is needed', async () => {
    await assert.rejects(fresh().pull(`${authReg.host}/private/bb:v1`, { dockerConfig: '{}' }),
      (e) => e instanceof ImageError && e.code === 'REGISTRY_AUTH');
    const bad = JSON.stringify({ auths: { [authReg.host]: { username: 'alice', password: 'wrong' } } });
    await assert.rejects(fresh().pull(`${authReg.host}/private/bb:v1`, { dockerConfig: bad }),
      (e) => e instanceof ImageError && e.code === 'REGISTRY_AUTH');
  });
});
