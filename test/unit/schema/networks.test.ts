import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet, problemsOf, stack } from './stack.ts';

test('services without networks join the implicit default network', () => {
  const p = loadSnippet('name: app\nservices:\n  a: {image: x}\n  b: {image: x, network_mode: host}\n');
  assert.deepEqual(p.services.a!.networks, { default: null });
  assert.equal(p.services.b!.networks, undefined);
  assert.deepEqual(p.networks, { default: { name: 'app_default' } });
});

test('no default network is created when nobody uses it', () => {
  const p = loadSnippet('services:\n  a: {image: x, networks: [front]}\nnetworks:\n  front: {}\n');
  assert.deepEqual(Object.keys(p.networks), ['front']);
});

test('service networks: list or mapping, with aliases, addresses and priority', () => {
  const p = loadSnippet(`
name: app
services:
  a:
    image: x
    networks:
      front:
      back:
        aliases: [api]
        ipv4_address: 10.5.0.10
        priority: "100"
networks:
  front: {driver: bridge, internal: "true"}
  back:
    ipam:
      config: [{subnet: 10.5.0.0/24, gateway: 10.5.0.1}]
  outside: {external: true, name: shared-net}
  legacy: {external: {name: old-net}}
`);
  assert.deepEqual(p.services.a!.networks, { front: null, back: { aliases: ['api'], ipv4_address: '10.5.0.10', priority: 100 } });
  assert.deepEqual(p.networks.front, { name: 'app_front', driver: 'bridge', internal: true });
  assert.equal(p.networks.back!.name, 'app_back');
  assert.deepEqual(p.networks.outside, { name: 'shared-net', external: true });
  assert.deepEqual(p.networks.legacy, { name: 'old-net', external: true });
});

test('an undefined network is an error at the service', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a:\n    image: x\n    networks:\n      - nope\n' });
  try {
    const [p] = problemsOf(() => s.load());
    assert.match(p!.message, /undefined network "nope"/);
    assert.equal(p!.origin!.line, 4);
  } finally {
    s.cleanup();
  }
});

test('network_mode service: must name a known service', () => {
  assert.throws(() => loadSnippet('services:\n  a: {image: x, network_mode: "service:ghost"}\n'), /uses the network of undefined service "ghost"/);
  const p = loadSnippet('services:\n  a: {image: x, network_mode: "service:b"}\n  b: {image: x}\n');
  assert.equal(p.services.a!.network_mode, 'service:b');
});
