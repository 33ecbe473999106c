import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stack } from './stack.ts';

test('build: a string is the context; relative contexts become absolute; Dockerfile is the default', () => {
  const s = stack({ 'compose.yaml': `
services:
  a: {build: ./app}
  b:
    build:
      context: ../other
      dockerfile: Dockerfile.dev
      args: [VERSION=1, FROM_ENV, NOT_SET]
      target: dev
      cache_from: [app:cache]
  c:
    build:
      dockerfile_inline: "FROM busybox"
  d:
    build: https://github.com/example/repo.git#main
` });
  try {
    // An arg without value comes from the environment and is dropped when unset (compose-go).
    const p = s.load({ env: { FROM_ENV: 'e' } });
    assert.deepEqual(p.services.a!.build, { context: join(s.dir, 'app'), dockerfile: 'Dockerfile' });
    assert.deepEqual(p.services.b!.build, {
      context: join(s.dir, '..', 'other'), dockerfile: 'Dockerfile.dev', args: { VERSION: '1', FROM_ENV: 'e' }, target: 'dev', cache_from: ['app:cache'],
    });
    assert.deepEqual(p.services.c!.build, { context: s.dir, dockerfile_inline: 'FROM busybox' });
    assert.equal(p.services.d!.build!.context, 'https://github.com/example/repo.git#main');
  } finally {
    s.cleanup();
  }
});

test('build args merge across files by key', () => {
  const s = stack({
    'compose.yaml': 'services:\n  a:\n    build: {context: ., args: {A: "1", B: "2"}}\n',
    'compose.override.yaml': 'services:\n  a:\n    build: {args: [B=3]}\n',
  });
  try {
    assert.deepEqual(s.load().services.a!.build!.args, { A: '1', B: '3' });
  } finally {
    s.cleanup();
  }
});

test('build.additional_contexts: directories become absolute (project dir); service: and docker-image:// stay', () => {
  const s = stack({ 'compose.yaml': `
services:
  a: {build: .}
  b:
    build:
      context: app
      additional_contexts: {base: "service:a", dir: ./shared, img: "docker-image://alpine:3"}
` });
  try {
    assert.deepEqual(s.load().services.b!.build!.additional_contexts, { base: 'service:a', dir: join(s.dir, 'shared'), img: 'docker-image://alpine:3' });
  } finally {
    s.cleanup();
  }
});
