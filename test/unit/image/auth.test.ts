import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge, credentialsFor, dockerConfigPath } from '../../../executor/image/auth.ts';
import { isLoopbackHost } from '../../../executor/image/registry.ts';
import { choosePlatform, parsePlatform } from '../../../executor/image/platform.ts';
import { ImageError } from '../../../executor/image/errors.ts';

test('a bearer challenge yields realm, service and scope', () => {
  const c = parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"');
  assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/redis:pull' } });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  assert.equal(parseChallenge(undefined), undefined);
});

test('credentials come from auths, as base64 auth or username/password, with docker.io aliases', () => {
  const cfg = JSON.stringify({ auths: {
    'https://index.docker.io/v1/': { auth: Buffer.from('me:pa:ss').toString('base64') },
    '127.0.0.1:5000': { username: 'u', password: 'p' },
  } });
  assert.deepEqual(credentialsFor('docker.io', cfg), { username: 'me', password: 'pa:ss' });
  assert.deepEqual(credentialsFor('127.0.0.1:5000', cfg), { username: 'u', password: 'p' });
  assert.equal(credentialsFor('ghcr.io', cfg), undefined);
  assert.equal(credentialsFor('docker.io', 'not json'), undefined);
  assert.equal(credentialsFor('docker.io', undefined), undefined);
});

test('the docker config is found through DOCKER_CONFIG or HOME', () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), '/etc/dc/config.json');
  assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
});

test('loopback registries count as insecure, others do not', () => {
  for (const h of ['localhost:5000', '127.0.0.1:39999', '[::1]:5000', '127.1.2.3']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['registry-1.docker.io', '10.0.0.1:5000', 'localhost.evil.com']) assert.ok(!isLoopbackHost(h), h);
});

test('an index entry is chosen by os/arch[/variant], skipping attestations', () => {
  const d = (arch: string, variant?: string, os = 'linux') => ({ mediaType: 'm', digest: `sha256:${arch}${variant ?? ''}`, size: 1, platform: { os, architecture: arch, ...(variant ? { variant } : {}) } });
  const list = [d('unknown', undefined, 'unknown'), d('arm', 'v7'), d('arm64', 'v8'), d('amd64')];
  assert.equal(choosePlatform(list).digest, 'sha256:amd64');
  assert.equal(choosePlatform(list, 'linux/arm64').digest, 'sha256:arm64v8');
  assert.equal(choosePlatform(list, 'linux/arm/v7').digest, 'sha256:armv7');
  assert.throws(() => choosePlatform(list, 'linux/s390x'), (e) => e instanceof ImageError && e.code === 'NO_PLATFORM');
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64', variant: undefined });
});
