import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks } from '../../../schema/rules/checks.ts';

// Services get an image unless the test is about that.
const tree = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  services: Object.fromEntries(Object.entries(services).map(([k, v]) => [k, { image: 'x', ...(v as object) }])),
  networks: {}, volumes: {}, ...extra,
});

test('volumes_from, links, ipc and pid must name known services; container: references are not checked', () => {
  const probs = runChecks(tree({
    a: { volumes_from: ['b', 'ghost:ro', 'container:other'], links: ['b:alias', 'nope'], ipc: 'service:gone', pid: 'host' },
    b: {},
  }), new Set());
  assert.deepEqual(probs.map((p) => p.message), [
    'service "a" mounts volumes from undefined service "ghost"',
    'service "a" links to undefined service "nope"',
    'service "a" shares IPC with undefined service "gone"',
  ]);
});

test('a service disabled by profiles still counts as known', () => {
  assert.deepEqual(runChecks(tree({ a: { volumes_from: ['b'] } }), new Set(['b'])), []);
});

test('two services with one container_name is an error', () => {
  const probs = runChecks(tree({ a: { container_name: 'x' }, b: { container_name: 'x' }, c: { container_name: 'y' } }), new Set());
  assert.deepEqual(probs.map((p) => [p.keyPath, p.message]), [['services.b.container_name', 'container name "x" is already used by service "a"']]);
});

test('cycles are not the checks\' business (the planner\'s graph owns them: see depends-on.test.ts)', () => {
  const probs = runChecks(tree({ a: { image: 'x', depends_on: { b: {} } }, b: { image: 'x', depends_on: { a: {} } } }), new Set());
  assert.deepEqual(probs, []);
});

test('a named volume must be declared; binds and anonymous volumes need no declaration', () => {
  const probs = runChecks(tree({ a: { volumes: [{ type: 'volume', source: 'data', target: '/d' }, { type: 'bind', source: '/x', target: '/x' }, { type: 'volume', target: '/anon' }] } }), new Set());
  assert.deepEqual(probs.map((p) => p.message), ['service "a" refers to undefined volume "data"']);
});

test('a service needs an image or a build; network_mode excludes networks; a bind needs a source', () => {
  const probs = runChecks({
    services: {
      a: {},
      b: { image: 'x', network_mode: 'host', networks: { front: null } },
      c: { image: 'x', network_mode: 'host', networks: { default: null } },
      d: { build: { context: '.' }, volumes: [{ type: 'bind', target: '/x' }] },
    },
    networks: { front: {}, default: {} },
  }, new Set());
  assert.deepEqual(probs.map((p) => p.message), [
    'service "a" has neither an image nor a build context specified',
    'service "b" declares mutually exclusive network_mode and networks',
    'bind mount has no source path',
  ]);
});

test('contradicting settings in one service are errors (compose-go consistency rules)', () => {
  const probs = runChecks(tree({
    a: { build: { context: '.', dockerfile: 'D', dockerfile_inline: 'FROM x', secrets: [{ source: 'nope' }] } },
    b: { scale: 2, deploy: { replicas: 3, resources: { limits: { memory: 1, cpus: 1 } } }, mem_limit: 2, cpus: 1 },
    c: { container_name: 'c', scale: 2 },
    d: { scale: -1 },
  }), new Set());
  assert.deepEqual(probs.map((p) => [p.keyPath, p.message]), [
    ['services.a.build', 'service "a" declares mutually exclusive dockerfile and dockerfile_inline'],
    ['services.a.build.secrets[0]', 'service "a" refers to undefined build secret "nope"'],
    ['services.b.scale', 'can\'t set distinct values on "scale" and "deploy.replicas"'],
    ['services.b.mem_limit', 'can\'t set distinct values on "mem_limit" and "deploy.resources.limits.memory"'],
    ['services.c.container_name', 'can\'t set container_name and scale 2: a container name must be unique'],
    ['services.d.scale', 'must be greater than or equal to 0'],
  ]);
});
