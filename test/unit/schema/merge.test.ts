import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeValue, stripTags } from '../../../schema/rules/merge.ts';
import { Tagged } from '../../../schema/yaml-tree.ts';
import { stack } from './stack.ts';

const svc = (s: unknown) => ({ services: { web: s } });

test('mappings merge key by key; scalars and command/entrypoint are replaced', () => {
  const m = mergeValue(
    svc({ image: 'a', command: ['x', 'y'], environment: { A: '1', B: '2' }, labels: { l: '1' } }),
    svc({ image: 'b', command: ['z'], environment: { B: '3', C: '4' } }),
  );
  assert.deepEqual(m, svc({ image: 'b', command: ['z'], environment: { A: '1', B: '3', C: '4' }, labels: { l: '1' } }));
});

test('volumes merge by target, secrets by target, dns by value', () => {
  const m = mergeValue(
    svc({ volumes: [{ type: 'volume', source: 'a', target: '/d' }, { type: 'bind', source: '/x', target: '/x' }], dns: ['1.1.1.1'], secrets: [{ source: 's' }] }),
    svc({ volumes: [{ type: 'volume', source: 'b', target: '/d' }], dns: ['1.1.1.1', '8.8.8.8'], secrets: [{ source: 's' }, { source: 't' }] }),
  ) as { services: { web: Record<string, unknown> } };
  assert.deepEqual(m.services.web.volumes, [{ type: 'volume', source: 'b', target: '/d' }, { type: 'bind', source: '/x', target: '/x' }]);
  assert.deepEqual(m.services.web.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(m.services.web.secrets, [{ source: 's' }, { source: 't' }]);
});

test('!reset removes a value and !override replaces it without merging', () => {
  const m = mergeValue(
    svc({ ports: [{ target: 80 }], environment: { A: '1', B: '2' } }),
    svc({ ports: new Tagged('reset', []), environment: new Tagged('override', { C: '3' }) }),
  );
  assert.deepEqual(m, svc({ environment: { C: '3' } }));
});

test('a logging driver change replaces the options, the same driver merges them', () => {
  const base = svc({ logging: { driver: 'json-file', options: { 'max-size': '1m' } } });
  assert.deepEqual(mergeValue(base, svc({ logging: { driver: 'syslog' } })), svc({ logging: { driver: 'syslog' } }));
  assert.deepEqual(mergeValue(base, svc({ logging: { options: { 'max-file': '3' } } })), svc({ logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } } }));
});

test('stripTags drops leftover !reset values and unwraps !override', () => {
  assert.deepEqual(stripTags({ a: new Tagged('reset', 1), b: new Tagged('override', [1]), c: [new Tagged('reset', 2), 3] }), { b: [1], c: [3] });
});

test('the override file changes the base through the whole pipeline', () => {
  const s = stack({
    'compose.yaml': 'services:\n  web:\n    image: nginx\n    environment: [A=1]\n    command: run\n    ports: ["80:80"]\n',
    'compose.override.yaml': 'services:\n  web:\n    environment: {B: "2"}\n    ports: !reset []\n    command: !override [serve, --dev]\n',
  });
  try {
    const web = s.load().services.web!;
    assert.deepEqual(web.environment, { A: '1', B: '2' });
    assert.equal(web.ports, undefined);
    assert.deepEqual(web.command, ['serve', '--dev']);
  } finally {
    s.cleanup();
  }
});

// Canonical service trees over the keys whose merge rules we care about.
const name = fc.constantFrom('a', 'b', 'c');
const serviceArb = fc.record({
  image: fc.constantFrom('x', 'y'),
  command: fc.array(fc.constantFrom('sh', '-c', 'run'), { maxLength: 3 }),
  environment: fc.dictionary(fc.constantFrom('A', 'B', 'C'), fc.constantFrom('1', '2')),
  ports: fc.uniqueArray(fc.record({ mode: fc.constant('ingress'), target: fc.constantFrom(80, 443), published: fc.constantFrom('80', '8080'), protocol: fc.constant('tcp') }), { selector: (p) => `${p.published}:${p.target}`, maxLength: 3 }),
  volumes: fc.uniqueArray(fc.record({ type: fc.constant('volume'), source: fc.constantFrom('v1', 'v2'), target: fc.constantFrom('/a', '/b') }), { selector: (v) => v.target, maxLength: 2 }),
  dns: fc.uniqueArray(fc.constantFrom('1.1.1.1', '8.8.8.8'), { maxLength: 2 }),
}, { requiredKeys: [] });
// JSON-cloned so the generated objects have ordinary prototypes, like parsed YAML.
const fileArb = fc.record({ services: fc.dictionary(name, serviceArb) }).map((f) => JSON.parse(JSON.stringify(f)) as { services: Record<string, { image?: string }> });

test('property: merging a file with itself changes nothing', () => {
  fc.assert(fc.property(fileArb, (f) => {
    assert.deepEqual(mergeValue(f, f), f);
  }));
});

test('property: merging is associative, so files can be folded in order', () => {
  fc.assert(fc.property(fileArb, fileArb, fileArb, (a, b, c) => {
    assert.deepEqual(mergeValue(mergeValue(a, b), c), mergeValue(a, mergeValue(b, c)));
  }));
});

test('property: the later file wins for every scalar it sets', () => {
  fc.assert(fc.property(fileArb, fileArb, (a, b) => {
    const m = mergeValue(a, b) as { services: Record<string, { image?: string }> };
    for (const [n, s] of Object.entries(b.services)) if (s.image !== undefined) assert.equal(m.services[n]!.image, s.image);
  }));
});
