// `tscompose config --hash / --variables / --environment / --resolve-image-digests`: the pure parts
// in-process, and each flag once through the real launcher (spawns cost ~100-200 ms each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stack } from '../schema/stack.ts';
import { environmentLines, hashLines, renderVariables, withImageDigests } from '../../../cli/commands/config-run.ts';
import { configHash, serviceConfigHash } from '../../../planner/hash.ts';
import { extractVariables } from '../../../schema/variables.ts';
import { startRegistry } from '../../helpers/registry.ts';

const bin = new URL('../../../bin/tscompose', import.meta.url).pathname;
const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, HOME: cwd, TSCOMPOSE_NO_PARSE_CACHE: '1', TSCOMPOSE_ROOT: join(cwd, 'root'), ...env },
  });

const FILES = {
  'compose.yaml': [
    'name: demo',
    'services:',
    '  web: {image: "nginx:${TAG:-1.27}", ports: ["${PORT:?set PORT}:80"], depends_on: [db]}',
    '  db: {image: "postgres:16", environment: {PW: "${PW-secret}"}}',
    '  tools: {image: busybox, profiles: [tools], command: "echo ${TOOL:+on}"}',
  ].join('\n'),
  '.env': 'PORT=8080\n',
};

test('--hash: "<service> <hash>" sorted, the planner\'s hash, built-image digest included as up records it', async () => {
  const s = stack(FILES);
  try {
    const p = s.load();
    const all = await hashLines(p, '*', {});
    assert.deepEqual(all, ['db', 'web'].map((n) => `${n} ${serviceConfigHash(p, n)}`));
    assert.deepEqual(await hashLines(p, 'web', {}), [all[1]]);
    assert.deepEqual(await hashLines(p, 'web,db', {}), all);
    const digest = `sha256:${'a'.repeat(64)}`;
    const [withDigest] = await hashLines(p, 'web', { web: digest });
    assert.equal(withDigest, `web ${configHash(p.services.web!, { imageDigest: digest })}`);
    assert.notEqual(withDigest, all[1]);
    await assert.rejects(hashLines(p, 'nope', {}), /No such service: "nope"/);
    // like compose: a service switched off by its profile has no hash
    await assert.rejects(hashLines(p, 'tools', {}), /No such service: "tools"/);
  } finally {
    s.cleanup();
  }
});

test('CLI: config --hash matches the in-process hash; -q prints nothing', () => {
  const s = stack(FILES);
  try {
    const p = s.load();
    const r = run(s.dir, ['config', '--hash', '*']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `db ${serviceConfigHash(p, 'db')}\nweb ${serviceConfigHash(p, 'web')}\n`);
    const one = run(s.dir, ['config', '--hash', 'web']);
    assert.equal(one.stdout, `web ${serviceConfigHash(p, 'web')}\n`);
    const q = run(s.dir, ['config', '-q', '--hash', '*']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(q.stdout, '');
    const bad = run(s.dir, ['config', '--hash', 'nope']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /No such service: "nope"/);
  } finally {
    s.cleanup();
  }
});

test('--variables renders a padded table, JSON and YAML like docker compose', async () => {
  const vars = extractVariables({ a: '${TAG:-1.27}', b: '${PORT:?x}', c: '${TOOL:+on}', d: '$A_VERY_LONG_VARIABLE_NAME_X' });
  assert.equal(
    await renderVariables(vars, undefined),
    [
      'NAME                          REQUIRED            DEFAULT VALUE       ALTERNATE VALUE',
      'A_VERY_LONG_VARIABLE_NAME_X   false                                   ',
      'PORT                          true                                    ',
      'TAG                           false               1.27                ',
      'TOOL                          false                                   on',
      '',
    ].join('\n'),
  );
  const json = await renderVariables(vars, 'json');
  assert.ok(json.endsWith('}\n\n'));
  assert.deepEqual(JSON.parse(json).TAG, { Name: 'TAG', DefaultValue: '1.27', PresenceValue: '', Required: false });
  assert.match(json, /^\{\n {4}"A_VERY_LONG_VARIABLE_NAME_X": \{\n {8}"Name"/);
  assert.equal(
    await renderVariables(extractVariables({ a: '${PORT:?x}' }), 'yaml'),
    'PORT:\n    name: PORT\n    defaultvalue: ""\n    presencevalue: ""\n    required: true\n',
  );
});

test('CLI: config --variables lists the templates as written in every file, profiles and short syntax included', () => {
  const s = stack({ ...FILES, 'extra.yaml': 'services:\n  db: {labels: {v: "$EXTRA"}}\n' });
  try {
    const r = run(s.dir, ['-f', 'compose.yaml', '-f', 'extra.yaml', 'config', '--variables', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as Record<string, { DefaultValue: string; PresenceValue: string; Required: boolean }>;
    assert.deepEqual(Object.keys(v), ['EXTRA', 'PORT', 'PW', 'TAG', 'TOOL']);
    assert.equal(v.PORT!.Required, true);
    assert.equal(v.PW!.DefaultValue, 'secret');
    assert.equal(v.TOOL!.PresenceValue, 'on');
    const table = run(s.dir, ['config', '--variables']);
    assert.match(table.stdout, /^NAME {16}REQUIRED {12}DEFAULT VALUE {7}ALTERNATE VALUE\n/);
  } finally {
    s.cleanup();
  }
});

test('--environment: KEY=VALUE sorted by bytes', () => {
  assert.deepEqual(environmentLines({ b: '1', B: '2', A_: '3', A: 'x=y' }), ['A=x=y', 'A_=3', 'B=2', 'b=1']);
});

test('CLI: config --environment prints the shell over .env, PWD and the project name', () => {
  const s = stack({ ...FILES, '.env': 'PORT=8080\nFOO=from-dotenv\nONLY_DOTENV=1\n' });
  try {
    const r = run(s.dir, ['config', '--environment'], { FOO: 'from-shell' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines, [...lines].sort());
    for (const l of ['COMPOSE_PROJECT_NAME=demo', 'FOO=from-shell', 'ONLY_DOTENV=1', 'PORT=8080', `PWD=${s.dir}`, `HOME=${s.dir}`]) assert.ok(lines.includes(l), `${l} in ${r.stdout}`);
    const p = run(s.dir, ['-p', 'other', 'config', '--environment']);
    assert.match(p.stdout, /^COMPOSE_PROJECT_NAME=other$/m);
  } finally {
    s.cleanup();
  }
});

test('--resolve-image-digests pins each image (normalized like compose) and asks once per reference', async () => {
  const s = stack({
    'compose.yaml': [
      'services:',
      '  a: {image: "nginx:1.27"}',
      '  b: {image: "nginx:1.27"}',
      `  c: {image: "me/app@sha256:${'c'.repeat(64)}"}`,
      '  d: {build: .}',
      '  e: {image: "127.0.0.1:5000/x/y"}',
    ].join('\n'),
  });
  try {
    const asked: string[] = [];
    const p = await withImageDigests(s.load(), async (ref) => {
      asked.push(ref);
      return `sha256:${createHash('sha256').update(ref).digest('hex')}`;
    });
    const d = (ref: string) => `sha256:${createHash('sha256').update(ref).digest('hex')}`;
    assert.deepEqual(asked.sort(), ['127.0.0.1:5000/x/y:latest', 'docker.io/library/nginx:1.27']);
    assert.equal(p.services.a!.image, `docker.io/library/nginx:1.27@${d('docker.io/library/nginx:1.27')}`);
    assert.equal(p.services.b!.image, p.services.a!.image);
    assert.equal(p.services.c!.image, `docker.io/me/app@sha256:${'c'.repeat(64)}`);
    assert.equal(p.services.d!.image, undefined);
    assert.equal(p.services.e!.image, `127.0.0.1:5000/x/y:latest@${d('127.0.0.1:5000/x/y:latest')}`);
    assert.deepEqual(Object.keys(p.services), ['a', 'b', 'c', 'd', 'e']);
  } finally {
    s.cleanup();
  }
});

/** Pushes a tiny image (config blob + manifest) to the registry over its HTTP API; returns the manifest's digest. */
async function pushManifest(host: string, repo: string, tag: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${host}`);
  loc.searchParams.set('digest', configDigest);
  const put = await fetch(loc, { method: 'PUT', body: config, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [],
  }));
  const m = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(m.status, 201, await m.text());
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

test('CLI: config --resolve-image-digests asks a real registry (on loopback) for the tag\'s digest', async () => {
  const s = stack({ 'compose.yaml': 'services:\n  app: {image: "${REG}/team/app:v1"}\n  tool: {build: .}\n' });
  const reg = await startRegistry(join(s.dir, '..', 'registry'));
  try {
    const digest = await pushManifest(reg.host, 'team/app', 'v1');
    const r = run(s.dir, ['config', '--resolve-image-digests', '--format', 'json'], { REG: reg.host });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { services: Record<string, { image?: string }> };
    assert.equal(out.services.app!.image, `${reg.host}/team/app:v1@${digest}`);
    // a tag the registry does not have: an error naming the image, no output
    const missing = run(s.dir, ['config', '--resolve-image-digests'], { REG: `${reg.host}/nope` });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\/team\/app:v1/);
    assert.equal(missing.stdout, '');
  } finally {
    await reg.stop();
    s.cleanup();
  }
});
