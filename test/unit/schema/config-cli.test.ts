// `tscompose config` through the real launcher (a few spawns only: each start costs ~100 ms),
// plus the listings in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { stack } from './stack.ts';
import { listing } from '../../../cli/commands/config-run.ts';

const bin = new URL('../../../bin/tscompose', import.meta.url).pathname;
const run = (cwd: string, args: string[]) =>
  spawnSync(bin, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd, TSCOMPOSE_NO_PARSE_CACHE: '1' } });

const files = { 'compose.yaml': 'services:\n  web: {image: "nginx:${TAG:-1}", profiles: [web]}\n  db: {image: postgres, volumes: ["pg:/d"]}\n  app: {build: ., networks: [back]}\nvolumes:\n  pg: {}\nnetworks:\n  back: {}\n' };

test('config prints the normalized project; --no-interpolate keeps variables', () => {
  const s = stack(files);
  try {
    const r = run(s.dir, ['-p', 'demo', '--profile', 'web', 'config']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^name: demo\nservices:\n  app:\n/);
    assert.match(r.stdout, /image: nginx:1\n/);
    const raw = run(s.dir, ['--profile', 'web', 'config', '--no-interpolate', '--format', 'json']);
    assert.equal((JSON.parse(raw.stdout) as { services: { web: { image: string } } }).services.web.image, 'nginx:${TAG:-1}');
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

test('the listings print names one per line; images default to <project>-<service>', () => {
  const s = stack(files);
  try {
    const p = s.load({ projectName: 'demo' });
    const o = { format: 'yaml', interpolate: true };
    assert.deepEqual(listing(p, { ...o, services: true }), ['app', 'db']);
    assert.deepEqual(listing(p, { ...o, volumes: true }), ['pg']);
    assert.deepEqual(listing(p, { ...o, networks: true }), ['back', 'default']);
    assert.deepEqual(listing(p, { ...o, profiles: true }), ['web']);
    assert.deepEqual(listing(p, { ...o, images: true }), ['demo-app', 'postgres']);
    assert.equal(listing(p, o), undefined);
  } finally {
    s.cleanup();
  }
});
