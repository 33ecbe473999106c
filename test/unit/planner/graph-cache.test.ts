// The loader's dependency graph is reused by the planner for the very Project object it loaded,
// and only for it: a changed copy or a project built by hand gets a graph of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../schema/stack.ts';
import { buildServiceGraph, orderNames, serviceGraphOf } from '../../../planner/graph.ts';
import { plan } from '../../../planner/plan.ts';
import type { Project } from '../../../schema/model.ts';

const FILES = {
  'compose.yaml': [
    'name: demo',
    'services:',
    '  web: {image: busybox, depends_on: [api]}',
    '  api: {image: busybox, depends_on: [db]}',
    '  db: {image: busybox}',
  ].join('\n'),
};

test('a loaded project\'s graph is the one the loader built, and plans the same as a fresh one', () => {
  const s = stack(FILES);
  try {
    const p = s.load();
    const g = serviceGraphOf(p);
    assert.equal(serviceGraphOf(p), g, 'kept, not rebuilt');
    assert.deepEqual(g, buildServiceGraph(p));
    assert.deepEqual(orderNames(g), ['db', 'api', 'web']);
    // Planning (twice) reads it and leaves it as it was.
    const copy = structuredClone({ ...p, origins: new Map() }) as Project;
    const expected = plan(copy, { containers: [] });
    assert.deepEqual(plan(p, { containers: [] }), expected);
    assert.deepEqual(plan(p, { containers: [] }), expected);
    assert.deepEqual(g, buildServiceGraph(p));
  } finally {
    s.cleanup();
  }
});

test('a new project object (as --pull or a pull makes) gets its own graph; hand-built projects are never kept', () => {
  const s = stack(FILES);
  try {
    const p = s.load();
    const changed: Project = { ...p, services: { ...p.services, db: { ...p.services.db!, depends_on: {} }, web: { ...p.services.web!, depends_on: {} } } };
    assert.notEqual(serviceGraphOf(changed), serviceGraphOf(p));
    assert.deepEqual(orderNames(serviceGraphOf(changed)), ['db', 'api', 'web']);
    assert.deepEqual(serviceGraphOf(changed).deps[serviceGraphOf(changed).index.get('web')!], []);
    // Not loaded: built on each call, so an edit between two plans is always seen.
    assert.notEqual(serviceGraphOf(changed), serviceGraphOf(changed));
  } finally {
    s.cleanup();
  }
});
