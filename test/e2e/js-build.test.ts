// Intent: the pre-stripped JavaScript build (scripts/build-js) runs the CLI without Node's
// TypeScript support, and bin/tscompose picks it only while no source is newer than the build,
// so an edit never runs stale code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './cli.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `tscompose-${label}-`));
  dirs.push(d);
  return d;
}

const SOURCES = ['cli', 'schema', 'planner', 'executor', 'netmgr'];

test('bin/tscompose runs build/js only while no source is newer than the build started', () => {
  // A tree with the launcher and a stand-in node that prints the entry point it was given.
  const root = tempDir('launcher');
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(REPO, 'bin/tscompose'), join(root, 'bin/tscompose'));
  mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(join(root, 'node_modules/.bin/node'), '#!/bin/sh\n# argv: --disable-warning=… MAIN ARGS…\necho "$2"\n');
  chmodSync(join(root, 'node_modules/.bin/node'), 0o755);
  const old = new Date(Date.now() - 60_000);
  for (const d of SOURCES) {
    mkdirSync(join(root, d));
    writeFileSync(join(root, d, 'x.ts'), '');
    utimesSync(join(root, d, 'x.ts'), old, old);
    utimesSync(join(root, d), old, old);
  }
  writeFileSync(join(root, 'cli/main.ts'), '');
  utimesSync(join(root, 'cli/main.ts'), old, old);
  utimesSync(join(root, 'cli'), old, old);
  writeFileSync(join(root, 'package.json'), '{}');
  utimesSync(join(root, 'package.json'), old, old);
  const main = (env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(join(root, 'bin/tscompose'), ['version'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  assert.equal(main(), join(root, 'cli/main.ts'), 'no build: the sources');
  mkdirSync(join(root, 'build/js/cli'), { recursive: true });
  writeFileSync(join(root, 'build/js/cli/main.js'), '');
  writeFileSync(join(root, 'build/js/.stamp'), '');
  assert.equal(main(), join(root, 'build/js/cli/main.js'), 'a build newer than every source');
  assert.equal(main({ TSCOMPOSE_NO_JS: '1' }), join(root, 'cli/main.ts'), 'TSCOMPOSE_NO_JS forces the sources');

  const edited = join(root, 'executor/x.ts');
  const now = new Date(Date.now() + 5_000);
  utimesSync(edited, now, now);
  assert.equal(main(), join(root, 'cli/main.ts'), 'a source edited after the build started');
  utimesSync(edited, old, old);
  assert.equal(main(), join(root, 'build/js/cli/main.js'));
  writeFileSync(join(root, 'netmgr/new.ts'), ''); // a new file (also changes its dir's mtime)
  assert.equal(main(), join(root, 'cli/main.ts'), 'a source added after the build started');
  rmSync(join(root, 'netmgr/new.ts'));
  utimesSync(join(root, 'netmgr'), old, old);
  utimesSync(join(root, 'package.json'), now, now);
  assert.equal(main(), join(root, 'cli/main.ts'), 'package.json changed after the build started');
});

test('scripts/build-js emits a CLI that runs with TypeScript support off, rebuilds only when a source changed, and never fails an install', () => {
  // A copy of the sources (the repo's own build/ is shared with whatever else runs).
  const root = tempDir('buildjs');
  for (const d of [...SOURCES, 'bin']) cpSync(join(REPO, d), join(root, d), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) copyFileSync(join(REPO, f), join(root, f));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(REPO, 'scripts/build-js'), join(root, 'scripts/build-js'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));

  const build = spawnSync(join(root, 'scripts/build-js'), { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr + build.stdout);
  assert.match(build.stdout, /built build\/js/);
  const first = readlinkSync(join(root, 'build/js'));
  assert.ok(existsSync(join(root, 'build/js/.stamp')));

  // The emitted CLI, with type stripping disabled: any .ts it reached would fail to load.
  const stack = join(root, 'compose.yaml');
  writeFileSync(stack, 'services:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n');
  const node = join(REPO, 'node_modules/.bin/node');
  const run = (args: string[]) => spawnSync(node, ['--no-experimental-strip-types', join(root, 'build/js/cli/main.js'), ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, TSCOMPOSE_NO_YAML_PACK: '1' } });
  const version = run(['version']);
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /tscompose version/);
  const config = run(['-f', stack, 'config', '--format', 'json']);
  assert.equal(config.status, 0, config.stderr);
  assert.equal((JSON.parse(config.stdout) as { services: Record<string, { ports: { published: string }[] }> }).services.web?.ports[0]?.published, '8080');
  const bad = run(['-f', stack, 'config', '--no-such-flag']);
  assert.notEqual(bad.status, 0);

  // Up to date: nothing rebuilt. A source edit: a new build beside the old one.
  const again = spawnSync(join(root, 'scripts/build-js'), { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, '');
  assert.equal(readlinkSync(join(root, 'build/js')), first);
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(root, 'planner/plan.ts'), later, later);
  const rebuilt = spawnSync(join(root, 'scripts/build-js'), { encoding: 'utf8' });
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.notEqual(readlinkSync(join(root, 'build/js')), first);
  assert.deepEqual(readdirSync(join(root, 'build')).filter((n) => n.startsWith('js-')).sort(), [first, readlinkSync(join(root, 'build/js'))].sort());

  // A source tsc cannot parse: no new build (the launcher stays on the sources), the install goes on.
  const current = readlinkSync(join(root, 'build/js'));
  writeFileSync(join(root, 'netmgr/broken.ts'), 'export const = ;\n');
  const broken = spawnSync(join(root, 'scripts/build-js'), { encoding: 'utf8' });
  assert.equal(broken.status, 0, broken.stderr);
  assert.match(broken.stderr, /tsc failed/);
  assert.match(broken.stderr, /broken\.ts/);
  assert.equal(readlinkSync(join(root, 'build/js')), current);
  assert.deepEqual(readdirSync(join(root, 'build')).filter((n) => n.startsWith('.js-')), [], 'no temp dir left');
});
