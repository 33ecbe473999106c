import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRef, normalizeRef, familiar, registryHost } from '../../../executor/image/ref.ts';
import { ImageError } from '../../../executor/image/errors.ts';

const D = 'sha256:' + 'a'.repeat(64);

test('a bare name is normalised as docker does: docker.io/library/NAME:latest', () => {
  assert.equal(normalizeRef('redis'), 'docker.io/library/redis:latest');
  assert.equal(normalizeRef('redis:7'), 'docker.io/library/redis:7');
  assert.equal(normalizeRef('me/app'), 'docker.io/me/app:latest');
  assert.equal(normalizeRef('index.docker.io/library/redis'), 'docker.io/library/redis:latest');
});

test('a first component with a dot, a port or "localhost" is the registry', () => {
  assert.equal(normalizeRef('127.0.0.1:5000/x/y:1'), '127.0.0.1:5000/x/y:1');
  assert.equal(normalizeRef('localhost/app'), 'localhost/app:latest');
  assert.equal(normalizeRef('ghcr.io/o/r'), 'ghcr.io/o/r:latest');
  assert.deepEqual(parseRef('localhost:5000/app:v2'), { domain: 'localhost:5000', path: 'app', tag: 'v2', digest: undefined });
});

test('a digest pins the reference and no default tag is added', () => {
  assert.equal(normalizeRef(`redis@${D}`), `docker.io/library/redis@${D}`);
  assert.equal(normalizeRef(`redis:7@${D}`), `docker.io/library/redis:7@${D}`);
});

test('invalid references are typed errors naming the input', () => {
  for (const bad of ['', 'Redis', 'redis:', 'a//b', `redis@sha256:abc`, 'x:bad tag']) {
    assert.throws(() => parseRef(bad), (e) => e instanceof ImageError && e.code === 'BAD_REFERENCE', bad);
  }
});

test('familiar names drop docker.io and library/, as docker prints them', () => {
  assert.equal(familiar('docker.io/library/redis:latest'), 'redis:latest');
  assert.equal(familiar('docker.io/me/app:1'), 'me/app:1');
  assert.equal(familiar('127.0.0.1:5000/x:y'), '127.0.0.1:5000/x:y');
});

test('docker.io is served by registry-1.docker.io; other registries by their own host', () => {
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHost('127.0.0.1:5000'), '127.0.0.1:5000');
});
