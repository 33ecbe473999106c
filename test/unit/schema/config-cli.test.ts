// `tscompose config` through the real launcher: output, listings, and the exit code of a bad file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { stack } from './stack.ts';

const bin = new URL('../../../bin/tscompose', import.meta.url).pathname;
const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(bin, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd, TSCOMPOSE_NO_PARSE_CACHE: '1', ...env } });

test('config prints the normalized project and its lists', () => {
  const s = stack({ 'compose.yaml': 'services:\n  web: {image: nginx, profiles: [web]}\n  db: {image: postgres, volumes: ["pg:/d"]}\nvolumes:\n  pg: {}\n' });
  try {
    const r = run(s.dir, ['-p', 'demo', 'config']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^name: demo\nservices:\n  db:\n/);
    assert.equal(run(s.dir, ['config', '--services']).stdout, 'db\n');
    assert.equal(run(s.dir, ['--profile', 'web', 'config', '--services']).stdout, 'db\nweb\n');
    assert.equal(run(s.dir, ['config', '--volumes']).stdout, 'pg\n');
    assert.equal(run(s.dir, ['config', '--profiles']).stdout, 'web\n');
    assert.equal(run(s.dir, ['config', '--images']).stdout, 'postgres\n');
    assert.equal(run(s.dir, ['config', '-q']).stdout, '');
    const json = JSON.parse(run(s.dir, ['config', '--format', 'json']).stdout) as { services: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.services), ['db']);
  } finally {
    s.cleanup();
  }
});

test('a broken stack file exits 15 with file:line:col and no stack trace', () => {
  const s = stack({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    enviroment: {A: "1"}\n' });
  try {
    const r = run(s.dir, ['config']);
    assert.equal(r.status, 15);
    assert.match(r.stderr, /compose\.yaml:4:5: services\.web\.enviroment: unknown key "enviroment" \(did you mean "environment"\?\)/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  } finally {
    s.cleanup();
  }
});

test('--no-interpolate prints variables as written', () => {
  const s = stack({ 'compose.yaml': 'services:\n  web: {image: "nginx:${TAG:-1}"}\n' });
  try {
    assert.match(run(s.dir, ['config', '--no-interpolate']).stdout, /image: nginx:\$\{TAG:-1\}/);
    assert.match(run(s.dir, ['config']).stdout, /image: nginx:1\n/);
  } finally {
    s.cleanup();
  }
});
