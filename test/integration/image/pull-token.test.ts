// The bearer-token flow and blob redirects, against a small registry written here (the Debian
// registry only does htpasswd without a separate token service). Loopback only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { craftTar } from '../../helpers/tar-craft.ts';
import { sha256 } from '../../../executor/image/digest.ts';
import { openImageStore } from '../../../executor/image/store.ts';
import { ImageError } from '../../../executor/image/errors.ts';

let env: TestEnv;
let server: Server;
let port = 0;
const seen: { url: string; auth: string | undefined; host: string | undefined }[] = [];
const blobs = new Map<string, Buffer>();
let manifest: Buffer;
let zstdManifest: Buffer;
let corruptLayer = false;

function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  seen.push({ url: url.pathname + url.search, auth: req.headers.authorization, host: req.headers.host });
  if (url.pathname === '/token') {
    const basic = Buffer.from('bob:pw').toString('base64');
    if (req.headers.authorization !== `Basic ${basic}`) { res.writeHead(401).end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}` }));
    return;
  }
  if (url.pathname.startsWith('/v2/stuck/')) return; // never answers
  if (url.pathname.startsWith('/storage/')) { // a "blob store" on another host name: no registry credentials expected
    const d = url.pathname.slice('/storage/'.length);
    const b = blobs.get(d);
    if (!b) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': b.length }).end(corruptLayer && d !== configDigest ? flipped(b) : b);
    return;
  }
  if (url.pathname.startsWith('/v2/team/flaky/')) { flaky(url.pathname, req, res); return; }
  if (req.headers.authorization !== 'Bearer tok-repository:team/app:pull') {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:team/app:pull"` }).end();
    return;
  }
  if (['/v2/team/app/manifests/v1', '/v2/team/app/manifests/v1copy', '/v2/team/app/manifests/zstd'].includes(url.pathname)) {
    const body = url.pathname.endsWith('/zstd') ? zstdManifest : manifest;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(body) }).end(body);
    return;
  }
  const m = /^\/v2\/team\/app\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
  if (m) {
    res.writeHead(307, { location: `http://localhost:${port}/storage/${m[1]}` }).end();
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }] }));
}

const ranges: (string | undefined)[] = [];
let cutFirst = true;
/** An anonymous registry whose first layer download breaks off half way; it honours Range afterwards. */
function flaky(path: string, req: IncomingMessage, res: ServerResponse) {
  if (path === '/v2/team/flaky/manifests/v1') {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    return;
  }
  const d = path.slice('/v2/team/flaky/blobs/'.length);
  const b = blobs.get(d);
  if (!b) { res.writeHead(404).end(); return; }
  if (d === configDigest) { res.writeHead(200).end(b); return; }
  ranges.push(req.headers.range);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const from = Number(m[1]);
    res.writeHead(206, { 'content-length': b.length - from, 'content-range': `bytes ${from}-${b.length - 1}/${b.length}` }).end(b.subarray(from));
    return;
  }
  if (cutFirst) {
    cutFirst = false;
    res.writeHead(200, { 'content-length': b.length });
    res.write(b.subarray(0, b.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.writeHead(200, { 'content-length': b.length }).end(b);
}

let configDigest = '';
const flipped = (b: Buffer) => { const c = Buffer.from(b); const i = c.length >> 1; c[i] = (c[i] ?? 0) ^ 0xff; return c; };
before(async () => {
  env = testEnv('token');
  const layer = gzipSync(craftTar([{ path: 'hello', data: 'from a token-protected registry' }]));
  const diffId = sha256(craftTar([{ path: 'hello', data: 'from a token-protected registry' }]));
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['x'] }, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  configDigest = sha256(cfg);
  blobs.set(sha256(layer), layer);
  blobs.set(configDigest, cfg);
  manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: cfg.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  const zLayer = zstdCompressSync(craftTar([{ path: 'z', data: 'zstd layer' }]));
  const zCfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(craftTar([{ path: 'z', data: 'zstd layer' }]))] } }));
  blobs.set(sha256(zLayer), zLayer);
  blobs.set(sha256(zCfg), zCfg);
  zstdManifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(zCfg), size: zCfg.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha256(zLayer), size: zLayer.length }],
  }));
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  await new Promise((r) => server.close(r));
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});
let k = 0;
const fresh = () => openImageStore(join(env.root, `s${++k}`, 'images'));
const creds = () => JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: Buffer.from('bob:pw').toString('base64') } } });

describe('pull with a bearer token', () => {
  test('the challenge is answered with a token for the repository scope, credentials go only to the token service', async () => {
    seen.length = 0;
    const img = await fresh().pull(`127.0.0.1:${port}/team/app:v1`, { dockerConfig: creds() });
    assert.equal(readFileSync(join(img.layerDirs[0]!, 'hello'), 'utf8'), 'from a token-protected registry');
    assert.deepEqual(img.config.Cmd, ['x']);
    const token = seen.filter((s) => s.url.startsWith('/token'));
    assert.equal(token.length, 1, 'one token for the whole pull');
    assert.match(token[0]!.url, /scope=repository%3Ateam%2Fapp%3Apull/);
    assert.match(token[0]!.url, /service=fake/);
    const storage = seen.filter((s) => s.url.startsWith('/storage/'));
    assert.equal(storage.length, 2, 'config and layer followed the redirect');
    for (const s of storage) assert.equal(s.auth, undefined, 'no registry credentials sent to another host');
    for (const s of seen.filter((x) => x.url.startsWith('/v2/') && x.auth)) assert.equal(s.auth, 'Bearer tok-repository:team/app:pull');
  });

  test('two tags of one image pulled at once into one store fetch each blob once', async () => {
    seen.length = 0;
    const store = fresh();
    const [a, b] = await Promise.all([
      store.pull(`127.0.0.1:${port}/team/app:v1`, { dockerConfig: creds() }),
      store.pull(`127.0.0.1:${port}/team/app:v1copy`, { dockerConfig: creds() }),
    ]);
    assert.equal(a.id, b.id);
    const layerGets = seen.filter((s) => s.url.startsWith('/storage/') && s.url !== `/storage/${configDigest}`);
    assert.equal(layerGets.length, 1, JSON.stringify(seen.map((s) => s.url)));
  });

  test('zstd-compressed layers pull and unpack', async () => {
    const img = await fresh().pull(`127.0.0.1:${port}/team/app:zstd`, { dockerConfig: creds() });
    assert.equal(readFileSync(join(img.layerDirs[0]!, 'z'), 'utf8'), 'zstd layer');
  });

  test('a download cut off half way is resumed with a Range request and verified', async () => {
    const img = await fresh().pull(`127.0.0.1:${port}/team/flaky:v1`, { dockerConfig: '{}', retryDelayMs: 10 });
    assert.equal(readFileSync(join(img.layerDirs[0]!, 'hello'), 'utf8'), 'from a token-protected registry');
    assert.equal(ranges.length, 2, `requests: ${JSON.stringify(ranges)}`);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? '', /^bytes=[1-9]\d*-$/, 'the second request asks only for the rest');
  });

  test('a token service refusing the credentials is REGISTRY_AUTH', async () => {
    const bad = JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { username: 'bob', password: 'no' } } });
    await assert.rejects(fresh().pull(`127.0.0.1:${port}/team/app:v1`, { dockerConfig: bad }), (e) => e instanceof ImageError && e.code === 'REGISTRY_AUTH');
  });

  test('a registry that stops answering fails the pull after the idle timeout', async () => {
    const t = Date.now();
    await assert.rejects(fresh().pull(`127.0.0.1:${port}/stuck/app:v1`, { dockerConfig: '{}', idleTimeoutMs: 300 }),
      (e) => e instanceof ImageError && e.code === 'REGISTRY_UNREACHABLE' && /stuck\/app/.test(e.message));
    assert.ok(Date.now() - t < 5000);
  });

  test('a layer whose bytes do not match its digest fails the pull and leaves no image', async () => {
    corruptLayer = true;
    try {
      const store = fresh();
      await assert.rejects(store.pull(`127.0.0.1:${port}/team/app:v1`, { dockerConfig: creds() }), (e) => e instanceof ImageError && e.code === 'DIGEST_MISMATCH');
      assert.equal(await store.resolve(`127.0.0.1:${port}/team/app:v1`), undefined);
      assert.deepEqual(store.layers.list(), []);
      assert.equal(existsSync(join(store.root, 'refs.json')), false);
    } finally {
      corruptLayer = false;
    }
  });
});
