import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedKeys, configHash, configKeyHashes, serviceConfigHash, HASH_VERSION } from '../../../planner/hash.ts';
import { plan, renderPlan } from '../../../planner/plan.ts';
import type { Service } from '../../../schema/model.ts';
import { TscError } from '../../../schema/errors.ts';
import { project, running, service } from './builder.ts';

const base = (): Service => service({ image: 'nginx:1.27', command: ['nginx', '-g', 'daemon off;'], environment: { A: '1' } });

test('the hash is versioned and 64 hex digits', () => {
  assert.match(configHash(base()), new RegExp(`^${HASH_VERSION}-[0-9a-f]{64}$`));
});

test('the hash does not depend on key order', () => {
  const a = service({ image: 'x', environment: { A: '1', B: '2' }, labels: { z: '1', a: '2' } });
  const b = service({ labels: { a: '2', z: '1' }, environment: { B: '2', A: '1' }, image: 'x' });
  assert.equal(configHash(a), configHash(b));
});

test('an empty mapping counts as absent, so a new normalization default does not recreate', () => {
  const a = service({ image: 'x' });
  const b = { ...service({ image: 'x' }), sysctls: {}, extra_hosts: {} };
  assert.equal(configHash(a), configHash(b));
});

const changing: [string, Partial<Service>][] = [
  ['image', { image: 'nginx:1.28' }],
  ['command', { command: ['sh'] }],
  ['environment', { environment: { A: '2' } }],
  ['volumes', { volumes: [{ type: 'bind', source: '/srv', target: '/srv' }] }],
  ['networks', { networks: { front: null } }],
  ['mem_limit', { mem_limit: 1 << 20 }],
  ['deploy.resources', { deploy: { resources: { limits: { cpus: 0.5 } } } }],
  ['ports', { ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] }],
];
for (const [key, change] of changing) {
  test(`changing ${key} changes the hash`, () => {
    assert.notEqual(configHash({ ...base(), ...change }), configHash(base()));
  });
}

const excluded: [string, Partial<Service>][] = [
  ['build', { build: { context: '/srv/app', dockerfile: 'Dockerfile.dev' } }],
  ['pull_policy', { pull_policy: 'always' }],
  ['scale', { scale: 3 }],
  ['deploy.replicas', { deploy: { replicas: 5 } }],
  ['depends_on', { depends_on: { db: { condition: 'service_healthy', required: true } } }],
  ['profiles', { profiles: ['debug'] }],
  ['develop', { develop: { watch: [{ path: './src', action: 'sync', target: '/app' }] } }],
  ['x-* extensions', { extensions: { 'x-team': 'infra' } }],
];
for (const [key, change] of excluded) {
  test(`changing ${key} does not recreate`, () => {
    const before = project({ web: base(), db: {} });
    const after = project({ web: { ...base(), ...change }, db: {} });
    assert.equal(configHash(after.services.web!), configHash(before.services.web!));
    // And the plan agrees: the running container of the old config is kept.
    const observed = { containers: [running(before, 'db'), running(before, 'web')], networks: ['demo_default'] };
    const types = plan(after, observed, { scale: { web: 1 } }).operations.map((o) => `${o.type} ${o.resource}`);
    assert.deepEqual(types, ['keep demo-db-1', 'keep demo-web-1'], renderPlan(plan(after, observed)));
  });
}

test('the image digest is part of the hash when the caller passes it', () => {
  const s = base();
  assert.notEqual(configHash(s, { imageDigest: 'sha256:aa' }), configHash(s, { imageDigest: 'sha256:bb' }));
  assert.notEqual(configHash(s, { imageDigest: 'sha256:aa' }), configHash(s));
});

test('per-key hashes name exactly the keys that changed', () => {
  const a = configKeyHashes(base(), { imageDigest: 'sha256:aa' });
  const b = configKeyHashes({ ...base(), environment: { A: '2' }, user: '1000' }, { imageDigest: 'sha256:bb' });
  assert.deepEqual(changedKeys(a, b), ['environment', 'image digest', 'user']);
});

test('serviceConfigHash hashes a service of the project and refuses unknown ones', () => {
  const p = project({ web: base() });
  assert.equal(serviceConfigHash(p, 'web'), configHash(p.services.web!));
  assert.throws(() => serviceConfigHash(p, 'nope'), (e) => e instanceof TscError && e.code === 'NO_SUCH_SERVICE');
});

test('values that differ only by quotes, backslashes or control characters hash differently', () => {
  const envs = ['a"b', 'a\\"b', 'a\\b', 'a\nb', 'a\\nb', 'a', '"a"'];
  const hashes = envs.map((v) => configHash(service({ environment: { X: v } })));
  assert.equal(new Set(hashes).size, envs.length);
  // …including inside keys.
  assert.notEqual(configHash(service({ labels: { 'a"': 'x' } })), configHash(service({ labels: { 'a\\"': 'x' } })));
});

// Every key of the model, classified. A key added to Service fails the typecheck here until it is
// classified, so a new key cannot silently stay out of the hash (or recreate containers when it shouldn't).
const KEY_ROLE: Record<keyof Service, 'hashed' | 'excluded'> = {
  image: 'hashed', build: 'excluded', pull_policy: 'excluded', platform: 'hashed', container_name: 'hashed',
  hostname: 'hashed', domainname: 'hashed', command: 'hashed', entrypoint: 'hashed', environment: 'hashed',
  env_file: 'hashed', working_dir: 'hashed', user: 'hashed', group_add: 'hashed', labels: 'hashed',
  profiles: 'excluded', depends_on: 'excluded', links: 'hashed', external_links: 'hashed', volumes_from: 'hashed',
  network_mode: 'hashed', networks: 'hashed', ipc: 'hashed', pid: 'hashed', uts: 'hashed', ports: 'hashed',
  expose: 'hashed', volumes: 'hashed', tmpfs: 'hashed', devices: 'hashed', extra_hosts: 'hashed', dns: 'hashed',
  dns_search: 'hashed', dns_opt: 'hashed', mac_address: 'hashed', healthcheck: 'hashed', restart: 'hashed',
  deploy: 'hashed', scale: 'excluded', init: 'hashed', privileged: 'hashed', read_only: 'hashed',
  stdin_open: 'hashed', tty: 'hashed', stop_signal: 'hashed', stop_grace_period: 'hashed', cap_add: 'hashed',
  cap_drop: 'hashed', security_opt: 'hashed', sysctls: 'hashed', ulimits: 'hashed', cpus: 'hashed',
  cpu_shares: 'hashed', cpu_quota: 'hashed', cpu_period: 'hashed', cpu_rt_runtime: 'hashed', cpu_rt_period: 'hashed',
  cpuset: 'hashed', mem_limit: 'hashed', memswap_limit: 'hashed', mem_reservation: 'hashed', mem_swappiness: 'hashed',
  pids_limit: 'hashed', shm_size: 'hashed', oom_kill_disable: 'hashed', oom_score_adj: 'hashed',
  blkio_config: 'hashed', runtime: 'hashed', logging: 'hashed', secrets: 'hashed', configs: 'hashed',
  develop: 'excluded', extensions: 'excluded',
};

test('every model key changes the hash, except the documented exclusions', () => {
  for (const [key, role] of Object.entries(KEY_ROLE)) {
    // The hash reads values generically: any two different values of a key tell whether it is hashed.
    const a = configHash({ ...base(), [key]: { probe: 'a' } } as Service);
    const b = configHash({ ...base(), [key]: { probe: 'b' } } as Service);
    if (role === 'hashed') assert.notEqual(a, b, `${key} must change the hash`);
    else assert.equal(a, b, `${key} must not change the hash`);
    // …and the per-key hashes name it.
    const changed = changedKeys(configKeyHashes({ ...base(), [key]: { probe: 'a' } } as Service), configKeyHashes({ ...base(), [key]: { probe: 'b' } } as Service));
    assert.deepEqual(changed, role === 'hashed' ? [key] : [], key);
  }
});
