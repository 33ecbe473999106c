import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
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

test('unknown dependencies and self dependencies are reported together', () => {
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
  } finally {
    s.cleanup();
  }
});

test('a dependency cycle fails the load with the planner\'s one message, at the file:line of its first edge', () => {
  const s = stack({ 'compose.yaml': `
services:
  web: {image: x, depends_on: [api]}
  api:
    image: x
    depends_on: [db]
  db: {image: x, volumes_from: [web]}
  other: {image: x}
` });
  try {
    const probs = problemsOf(() => s.load());
    assert.equal(probs.length, 1);
    assert.equal(probs[0]!.message, 'dependency cycle: api → db → web → api');
    assert.equal(probs[0]!.keyPath, 'services.api.depends_on.db');
    assert.deepEqual(probs[0]!.origin, { file: join(s.dir, 'compose.yaml'), line: 6, col: 18 });
  } finally {
    s.cleanup();
  }
  // links and service: namespaces are edges too
  const l = stack({ 'compose.yaml': 'services:\n  a: {image: x, links: [b]}\n  b: {image: x, network_mode: "service:a"}\n' });
  try {
    assert.deepEqual(problemsOf(() => l.load()).map((p) => p.message), ['dependency cycle: a → b → a']);
  } finally {
    l.cleanup();
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
