import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet, problemsOf, stack } from './stack.ts';

test('a depends_on list becomes service_started + required', () => {
  const p = loadSnippet('services:\n  web: {image: x, depends_on: [db]}\n  db: {image: y}\n');
  assert.deepEqual(p.services.web!.depends_on, { db: { condition: 'service_started', required: true } });
});

test('the long form keeps condition, restart and required', () => {
  const p = loadSnippet(`
services:
  web:
    image: x
    depends_on:
      db: {condition: service_healthy, restart: true}
      migrate: {condition: service_completed_successfully, required: false}
  db: {image: y}
  migrate: {image: z}
`);
  assert.deepEqual(p.services.web!.depends_on, {
    db: { condition: 'service_healthy', restart: true, required: true },
    migrate: { condition: 'service_completed_successfully', required: false },
  });
});

test('unknown dependencies, self dependencies and cycles are reported together', () => {
  const s = stack({ 'compose.yaml': `
services:
  a: {image: x, depends_on: [b, ghost]}
  b: {image: x, depends_on: [a]}
  c: {image: x, depends_on: [c]}
` });
  try {
    const msgs = problemsOf(() => s.load()).map((p) => p.message);
    assert.ok(msgs.includes('service "a" depends on undefined service "ghost"'), msgs.join('\n'));
    assert.ok(msgs.includes('service "c" depends on itself'));
    assert.ok(msgs.some((m) => /dependency cycle detected: a -> b -> a/.test(m)), msgs.join('\n'));
  } finally {
    s.cleanup();
  }
});

test('links, service: namespaces and volumes_from add implicit dependencies, as compose does', () => {
  const p = loadSnippet(`
services:
  a:
    image: x
    links: [db:database]
    network_mode: "service:net"
    volumes_from: [data:ro, "container:other"]
    depends_on:
      db: {condition: service_healthy}
  db: {image: y}
  net: {image: y}
  data: {image: y}
`);
  assert.deepEqual(p.services.a!.depends_on, {
    db: { condition: 'service_healthy', required: true },
    net: { condition: 'service_started', restart: true, required: true },
    data: { condition: 'service_started', restart: false, required: true },
  });
});

test('an implied dependency on an unknown service is reported once, by its own key', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x, network_mode: "service:ghost"}\n' });
  try {
    assert.deepEqual(problemsOf(() => s.load()).map((p) => p.message), ['service "a" uses the network of undefined service "ghost"']);
  } finally {
    s.cleanup();
  }
});
