// The image commands through the real CLI (bin/tscompose) against a test store and registry.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';
import { busyboxTar, umociLayout } from '../../helpers/images.ts';
import { startRegistry, type TestRegistry } from '../../helpers/registry.ts';

const bin = fileURLToPath(new URL('../../../bin/tscompose', import.meta.url));
const run = promisify(execFile);
let env: TestEnv;
let reg: TestRegistry;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliIn(env.dir, ...args);
}

async function cliIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(bin, args, { env: { ...env.env, HOME: env.dir }, cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

before(async () => {
  env = testEnv('imgcli');
  reg = await startRegistry(join(env.dir, 'registry'));
  umociLayout(join(env.dir, 'oci'), 'v1');
  reg.push(join(env.dir, 'oci'), 'v1', 'team/bb:v1');
});
after(async () => {
  await reg?.stop();
  try { assert.deepEqual(leftovers(env.dir), []); } finally { env.cleanup(); }
});

describe('image commands', () => {
  test('import, images, inspect, rm and prune work end to end', async () => {
    const imp = await cli('image', 'import', busyboxTar(), 'local/bb:1', '--change', 'CMD ["sh"]');
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, /^sha256:[a-f0-9]{64}$/m);
    const ls = await cli('images');
    assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    assert.match(ls.stdout, /^local\/bb\s+1\s+[a-f0-9]{12}\s+/m);
    const ins = await cli('image', 'inspect', 'local/bb:1');
    assert.deepEqual((JSON.parse(ins.stdout) as { config: { Cmd: string[] } }[])[0]!.config.Cmd, ['sh']);
    const rm = await cli('image', 'rm', 'local/bb:1', 'missing/img');
    assert.equal(rm.code, 1);
    assert.match(rm.stdout, /Untagged: local\/bb:1/);
    assert.match(rm.stderr, /No such image: missing\/img/);
    const pr = await cli('image', 'prune', '-f');
    assert.equal(pr.code, 0, pr.stderr);
    assert.match(pr.stdout, /Total reclaimed space/);
    assert.equal((await cli('images', '-q')).stdout, '');
  });

  test('pull by reference prints one line per layer without a TTY, and --format json lists it', async () => {
    const r = await cli('pull', `${reg.host}/team/bb:v1`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /team\/bb:v1: layer [a-f0-9]{12} downloaded/);
    assert.match(r.stderr, /team\/bb:v1: pulled [a-f0-9]{12}/);
    const js = JSON.parse((await cli('images', '--format', 'json')).stdout) as { refs: string[] }[];
    assert.ok(js.some((i) => i.refs.includes(`${reg.host}/team/bb:v1`)));
  });

  test('in a project dir, pull takes the images of the services (all, or the named ones)', async () => {
    const proj = join(env.dir, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'compose.yaml'), `services:\n  web:\n    image: ${reg.host}/team/bb:v1\n  app:\n    build: .\n  other:\n    image: ${reg.host}/team/bb:missing\n`);
    const one = await cliIn(proj, 'pull', 'web');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /team\/bb:v1: pulled/);
    const all = await cliIn(proj, 'pull');
    assert.notEqual(all.code, 0, 'the missing image of "other" fails the pull');
    assert.match(all.stderr, /team\/bb:missing/);
    const ignoring = await cliIn(proj, 'pull', '--ignore-pull-failures');
    assert.equal(ignoring.code, 0, ignoring.stderr);
    assert.match(ignoring.stderr, /team\/bb:missing.*\(ignored\)/);
  });

  test('load reads an archive and a missing image gives a clear error and exit code', async () => {
    const { execFileSync } = await import('node:child_process');
    const file = join(env.dir, 'save.tar');
    execFileSync('skopeo', ['copy', '-q', `oci:${join(env.dir, 'oci')}:v1`, `docker-archive:${file}:example.com/x:2`]);
    const l = await cli('image', 'load', '-i', file);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /Loaded image: example\.com\/x:2/);
    const bad = await cli('pull', `${reg.host}/team/none:v1`);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /team\/none:v1.*not found/);
  });
});
