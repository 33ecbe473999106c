import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack, problemsOf } from './stack.ts';

const files = {
  'compose.yaml': `
services:
  web: {image: web}
  debug: {image: dbg, profiles: [dev]}
  seed: {image: seed, profiles: [tools], depends_on: [db]}
  db: {image: db, profiles: [tools]}
`,
};

test('services without profiles are always on; profiled ones only when active', () => {
  const s = stack(files);
  try {
    const p = s.load();
    assert.deepEqual(Object.keys(p.services), ['web']);
    assert.deepEqual(Object.keys(p.disabled_services).sort(), ['db', 'debug', 'seed']);
    assert.deepEqual(Object.keys(s.load({ profiles: ['dev'] }).services).sort(), ['debug', 'web']);
    assert.deepEqual(Object.keys(s.load({ profiles: ['*'] }).services).sort(), ['db', 'debug', 'seed', 'web']);
  } finally {
    s.cleanup();
  }
});

test('COMPOSE_PROFILES activates profiles when --profile is not given', () => {
  const s = stack(files);
  try {
    assert.deepEqual(Object.keys(s.load({ env: { COMPOSE_PROFILES: 'dev,tools' } }).services).sort(), ['db', 'debug', 'seed', 'web']);
  } finally {
    s.cleanup();
  }
});

test('a service named on the command line is enabled with its dependencies', () => {
  const s = stack(files);
  try {
    assert.deepEqual(Object.keys(s.load({ services: ['seed'] }).services).sort(), ['db', 'seed', 'web']);
  } finally {
    s.cleanup();
  }
});

test('depending on a disabled service is an error naming the profile, unless not required', () => {
  const s = stack({ 'compose.yaml': `
services:
  web:
    image: web
    depends_on:
      db: {condition: service_started}
      metrics: {condition: service_started, required: false}
  db: {image: db, profiles: [data]}
  metrics: {image: m, profiles: [obs]}
` });
  try {
    const probs = problemsOf(() => s.load());
    assert.equal(probs.length, 1);
    assert.match(probs[0]!.message, /depends on service "db", which is disabled by its profiles/);
    assert.equal(probs[0]!.hint, 'enable it with --profile data');
    assert.deepEqual(Object.keys(s.load({ profiles: ['data'] }).services.web!.depends_on), ['db']);
  } finally {
    s.cleanup();
  }
});
