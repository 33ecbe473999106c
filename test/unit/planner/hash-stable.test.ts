// The config hash must not move: containers on disk record `configHash` / `configHashes`, and a
// different value for the same config would recreate every container after an upgrade. These values
// were recorded from the string-building v1 implementation (before the byte-buffer rewrite); a change
// to how the hash is computed must keep them (or bump HASH_VERSION, which makes old containers
// recreate with "config hash format changed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash as digest } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, configHash, configKeyHashes } from '../../../planner/hash.ts';
import type { Service } from '../../../schema/model.ts';

/** The v1 canonical text, written for clarity, not speed: what the fast emitter must reproduce. */
function reference(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v.includes('"') || v.includes('\\') ? JSON.stringify(v) : `"${v}"`;
  if (Array.isArray(v)) return `[${v.map((x) => reference(x) ?? 'null').join(',')}]`;
  const fields = Object.keys(v as object)
    .sort()
    .flatMap((k) => {
      const t = reference((v as Record<string, unknown>)[k]);
      return t === undefined ? [] : [`${reference(k)}:${t}`];
    });
  return fields.length ? `{${fields.join(',')}}` : undefined;
}

const EXCLUDED = ['build', 'pull_policy', 'scale', 'depends_on', 'profiles', 'develop', 'extensions'];

function referenceHash(s: Service, imageDigest?: string): string {
  let text = 'v1';
  for (const k of Object.keys(s).sort()) {
    if (EXCLUDED.includes(k)) continue;
    let v = (s as unknown as Record<string, unknown>)[k];
    if (k === 'deploy' && v && typeof v === 'object') {
      const { replicas: _r, ...rest } = v as Record<string, unknown>;
      v = rest;
    }
    const t = reference(v);
    if (t !== undefined) text += `\n${k}=${t}`;
  }
  if (imageDigest) text += `\n@image_digest=${imageDigest}`;
  return `v1-${digest('sha256', text, 'hex')}`;
}

// Deliberately awkward values: escapes, control characters, non-BMP text, empty and nested-empty
// mappings, holes and undefined in arrays, non-finite numbers, deploy.replicas (excluded) beside
// deploy.resources (hashed), keys that sort differently by code unit than by locale.
const samples: Service[] = [
  { image: 'nginx:1.27', environment: {}, labels: {}, depends_on: {} },
  {
    image: 'registry.example/team/app@sha256:00ff',
    command: ['/bin/sh', '-c', 'echo "hi" \\ there\n\ttab'],
    entrypoint: null,
    environment: { Z: 'last', a: 'lower', B: null as unknown as string, 'é': 'ü', '😀': 'x\u0001y' },
    labels: { 'com.example.b': '2', 'com.example.a': '1' },
    depends_on: { db: { condition: 'service_healthy', required: true } },
    ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
    volumes: [{ type: 'volume', source: 'data', target: '/data' }, { type: 'bind', source: '/srv', target: '/srv', read_only: true }],
    networks: { front: null, back: { aliases: ['b'], ipv4_address: '10.0.0.2' } as never },
    sysctls: {},
    extra_hosts: { 'host.example': ['10.0.0.1', '::1'] },
    deploy: { replicas: 3, resources: { limits: { cpus: 0.5, memory: 1 << 20 } } } as never,
    mem_limit: 1 << 30,
    cpus: 1.5,
    oom_score_adj: -500,
    init: true,
    read_only: false,
    healthcheck: { test: ['CMD', 'true'], interval: 1e9, retries: 3 } as never,
    extensions: { 'x-team': 'infra' },
    profiles: ['debug'],
  },
  { environment: { A: '1' }, labels: { nested: 'x' }, depends_on: {}, ulimits: { nofile: { soft: 1024, hard: 4096 } } as never, cpu_shares: Number.NaN, tmpfs: [], dns: [undefined as never, 'x'] },
  { image: 'x', environment: {}, labels: {}, depends_on: {}, deploy: { replicas: 2 } as never, logging: { driver: 'json-file', options: {} } as never },
];

test('the hashes of fixed services are the recorded v1 values', () => {
  assert.deepEqual(
    samples.map((s) => configHash(s)),
    [
      'v1-c8cbf518325149e8162b2732bd41a44d9f0ccf2bb2747bdd5213eaf2f1082cb4',
      'v1-97d13ef980f2068ac41de3ae848f65a869db2ed11e1f94da344c72de7e3eccc1',
      'v1-16a823d7fdb9def48f496e7f2a9dd27188961367d3cd5615cb0eb5eb52af239c',
      'v1-0178e0734ab901fcef3e3a6790b74b6f2670cbc32cb358a8ebc491f55ec9a27c',
    ],
  );
  assert.equal(configHash(samples[1] as Service, { imageDigest: 'sha256:abcd' }), 'v1-7fcbdd4e8831842434971b3e3e54cd4e635ccf8419385566ea8b6bc383dc2e9e');
  assert.deepEqual(configKeyHashes(samples[1] as Service, { imageDigest: 'sha256:abcd' }), {
    command: '01db4105535a0897',
    cpus: '9f29a130438b8117',
    deploy: 'de8641d9e3380ab8',
    entrypoint: '74234e98afe7498f',
    environment: '6336861229ff0402',
    extra_hosts: 'adea26106e3b6411',
    healthcheck: '8340c5a1caa16ea1',
    image: 'a66a3bd34c25e3c8',
    init: 'b5bea41b6c623f7c',
    labels: '691e98786fc2a8cf',
    mem_limit: '02bfbb85ecfba2af',
    networks: 'aa41ce67d9fad160',
    oom_score_adj: 'a567500e75572b9f',
    ports: '0bac79dbfcbfed46',
    read_only: 'fcbcf165908dd18a',
    volumes: '435a4860447eccde',
    '@image_digest': '3e912ed12905ac05',
  });
});

test('the hash equals the reference v1 computation for the fixed services', () => {
  for (const s of samples) assert.equal(configHash(s), referenceHash(s));
  assert.equal(configHash(samples[1] as Service, { imageDigest: 'sha256:abcd' }), referenceHash(samples[1] as Service, 'sha256:abcd'));
});

// Values shaped like the normalized model: JSON-ish trees, with undefined and non-finite numbers.
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', 'a"b', 'a\\b', '\n', '"', 'x\u0000', 'é"', 'lone \ud800 surrogate', '\udc00"', '😀', 'ü\u0001'),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('a', 'B', '_', 'é', '"k')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

test('canonical JSON matches the reference for any model-shaped value', () => {
  fc.assert(
    fc.property(valueArb, (v) => {
      // Compared as the UTF-8 that is hashed: a lone surrogate is U+FFFD there, whatever the string held.
      assert.deepEqual(Buffer.from(canonicalJson(v)), Buffer.from(reference(v) ?? 'null'));
    }),
    { numRuns: 2000 },
  );
});

test('configHash and configKeyHashes match the reference for any service-shaped mapping', () => {
  const keys = fc.constantFrom('image', 'command', 'environment', 'labels', 'deploy', 'build', 'depends_on', 'volumes', 'networks', 'user', 'scale', 'extensions', 'sysctls');
  fc.assert(
    fc.property(fc.dictionary(keys, valueArb, { maxKeys: 8 }), fc.option(fc.constantFrom('sha256:aa', 'sha256:bb'), { nil: undefined }), (s, imageDigest) => {
      const svc = s as unknown as Service;
      assert.equal(configHash(svc, imageDigest ? { imageDigest } : {}), referenceHash(svc, imageDigest));
      const perKey = configKeyHashes(svc, imageDigest ? { imageDigest } : {});
      const expected: Record<string, string> = {};
      for (const k of Object.keys(svc).sort()) {
        if (EXCLUDED.includes(k)) continue;
        let v = (svc as unknown as Record<string, unknown>)[k];
        if (k === 'deploy' && v && typeof v === 'object') {
          const { replicas: _r, ...rest } = v as Record<string, unknown>;
          v = rest;
        }
        const t = reference(v);
        if (t !== undefined) expected[k] = digest('sha256', t, 'hex').slice(0, 16);
      }
      if (imageDigest) expected['@image_digest'] = digest('sha256', imageDigest, 'hex').slice(0, 16);
      assert.deepEqual(perKey, expected);
    }),
    { numRuns: 1000 },
  );
});
