import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stack, problemsOf, assertRoundTrip } from './stack.ts';

test('extends in the same file merges the base under the service', () => {
  const s = stack({ 'compose.yaml': `
services:
  base:
    image: app
    environment: {A: "1", B: "1"}
    ports: ["80:80"]
  web:
    extends: base
    environment: {B: "2"}
    ports: ["81:81"]
` });
  try {
    const p = s.load();
    assert.deepEqual(p.services.web!.environment, { A: '1', B: '2' });
    assert.deepEqual(p.services.web!.ports!.map((x) => x.target), [80, 81]);
    assert.equal(p.services.web!.image, 'app');
    assertRoundTrip(p, s);
  } finally {
    s.cleanup();
  }
});

test('extends from another file resolves that file\'s relative paths against its own directory', () => {
  const s = stack({
    'compose.yaml': 'services:\n  web:\n    extends: {file: common/base.yaml, service: svc}\n    image: web\n',
    'common/base.yaml': 'services:\n  svc:\n    build: ./ctx\n    volumes: ["./data:/data"]\n    env_file: svc.env\n',
    'common/svc.env': 'FROM_BASE=1\n',
  });
  try {
    const web = s.load().services.web!;
    assert.equal(web.build!.context, join(s.dir, 'common/ctx'));
    assert.equal(web.volumes![0]!.source, join(s.dir, 'common/data'));
    assert.equal(web.environment.FROM_BASE, '1');
  } finally {
    s.cleanup();
  }
});

test('extends chains resolve through several levels and files', () => {
  const s = stack({
    'compose.yaml': 'services:\n  c:\n    extends: {file: b.yaml, service: b}\n    labels: {level: c}\n',
    'b.yaml': 'services:\n  b:\n    extends: {file: a.yaml, service: a}\n    user: b\n',
    'a.yaml': 'services:\n  a:\n    image: a\n    user: a\n    labels: {from: a}\n',
  });
  try {
    const c = s.load().services.c!;
    assert.deepEqual([c.image, c.user, c.labels], ['a', 'b', { from: 'a', level: 'c' }]);
  } finally {
    s.cleanup();
  }
});

test('an extends cycle is an error naming the chain', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x, extends: b}\n  b: {extends: c}\n  c: {extends: a}\n' });
  try {
    const msgs = problemsOf(() => s.load()).map((p) => p.message);
    assert.ok(msgs.some((m) => /extends cycle: a -> b -> c -> a/.test(m)), msgs.join('\n'));
  } finally {
    s.cleanup();
  }
});

test('extending an unknown service is an error', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a:\n    image: x\n    extends: ghost\n' });
  try {
    const [p] = problemsOf(() => s.load());
    assert.match(p!.message, /cannot extend service "ghost"/);
    assert.equal(p!.origin!.line, 4);
  } finally {
    s.cleanup();
  }
});
