import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stack, problemsOf } from './stack.ts';

test('an included file brings its services with its own directory and .env', () => {
  const s = stack({
    'compose.yaml': 'include:\n  - db/compose.yaml\nservices:\n  web: {image: web, depends_on: [db]}\n',
    'db/compose.yaml': 'services:\n  db:\n    image: "postgres:${PG:-15}"\n    volumes: ["./init:/docker-entrypoint-initdb.d"]\n',
    'db/.env': 'PG=16\n',
  });
  try {
    const p = s.load();
    assert.equal(p.services.db!.image, 'postgres:16');
    assert.equal(p.services.db!.volumes![0]!.source, join(s.dir, 'db/init'));
    assert.deepEqual(Object.keys(p.services).sort(), ['db', 'web']);
  } finally {
    s.cleanup();
  }
});

test('the long include form takes project_directory and env_file', () => {
  const s = stack({
    'compose.yaml': 'include:\n  - path: parts/cache.yaml\n    project_directory: parts/root\n    env_file: parts/cache.env\n',
    'parts/cache.yaml': 'services:\n  cache:\n    image: "redis:${TAG}"\n    volumes: ["./conf:/conf"]\n',
    'parts/cache.env': 'TAG=7\n',
  });
  try {
    const c = s.load().services.cache!;
    assert.equal(c.image, 'redis:7');
    assert.equal(c.volumes![0]!.source, join(s.dir, 'parts/root/conf'));
  } finally {
    s.cleanup();
  }
});

test('a service defined both locally and in an included file is an error', () => {
  const s = stack({
    'compose.yaml': 'include: [other.yaml]\nservices:\n  db: {image: mine}\n',
    'other.yaml': 'services:\n  db: {image: theirs}\n',
  });
  try {
    assert.match(problemsOf(() => s.load())[0]!.message, /services\.db is defined both in an included file and in the including file/);
  } finally {
    s.cleanup();
  }
});

test('an include cycle is an error', () => {
  const s = stack({ 'compose.yaml': 'include: [a.yaml]\nservices: {}\n', 'a.yaml': 'include: [compose.yaml]\nservices: {}\n' });
  try {
    assert.match(problemsOf(() => s.load())[0]!.message, /include cycle/);
  } finally {
    s.cleanup();
  }
});
