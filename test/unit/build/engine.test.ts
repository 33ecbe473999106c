// The engine on config-only Dockerfiles (FROM scratch: nothing is mounted or run): step events
// as BuildKit numbers them (per stage, FROM and filesystem steps only, FROM with its args resolved),
// ARG scoping through stages, the image written and tagged, the same image ID for the same input,
// errors with their Dockerfile line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImageStore } from '../../../executor/image/store.ts';
import { buildImage, BuildError, type BuildEvent } from '../../../executor/build/build.ts';

const dir = mkdtempSync(join(tmpdir(), 'tscompose-unit-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = openImageStore(join(dir, 'images'));

async function build(text: string, extra: Partial<Parameters<typeof buildImage>[0]> = {}) {
  const events: BuildEvent[] = [];
  const r = await buildImage({ name: 'web', contextDir: dir, dockerfileInline: text, tags: ['unit/web:1', 'unit/web:latest'], store, onEvent: (e) => events.push(e), ...extra });
  return { ...r, events };
}

const DF = [
  'ARG TAG=1.0',
  'FROM scratch AS base',
  'ARG TAG',
  'LABEL version=$TAG',
  'ENV A=a',
  'FROM base',
  'ENV B=${A}b',
  'EXPOSE 80',
  'CMD ["serve"]',
].join('\n');

test('a config-only build: FROM events only, config and history, every tag resolves', async () => {
  const r = await build(DF, { args: { TAG: '2.0' } });
  assert.deepEqual([r.steps, r.cached], [0, 0], 'no filesystem step: nothing to count as built or cached');
  const steps = r.events.filter((e) => e.type === 'step');
  // ARG, LABEL, ENV, EXPOSE, CMD make no event (BuildKit lists no step for them); each stage
  // numbers its own steps; the unnamed second stage of a multi-stage file is `stage-1`.
  assert.deepEqual(steps.map((e) => e.type === 'step' && `${e.step}/${e.total} ${e.stage} ${e.state} ${e.text}`), [
    '1/1 base running FROM scratch', '1/1 base done FROM scratch',
    '1/1 stage-1 running FROM base', '1/1 stage-1 done FROM base',
  ]);
  const from = steps.find((e) => e.type === 'step' && e.text === 'FROM base' && e.state !== 'running');
  assert.equal(from?.type === 'step' ? from.line : 0, 6, 'events carry the Dockerfile line');
  const c = r.image.config;
  assert.deepEqual(c.Labels, { version: '2.0' });
  assert.deepEqual(c.Env, ['A=a', 'B=ab']);
  assert.deepEqual(c.Cmd, ['serve']);
  assert.deepEqual(r.image.layerDirs, []);
  assert.deepEqual(r.refs, ['docker.io/unit/web:1', 'docker.io/unit/web:latest']);
  for (const ref of r.refs) assert.equal((await store.resolve(ref))?.id, r.image.id);
  const again = await build(DF, { args: { TAG: '2.0' } });
  assert.equal(again.image.id, r.image.id, 'same input, same image');
  const other = await build(DF, { args: { TAG: '3.0' } });
  assert.notEqual(other.image.id, r.image.id, 'a build arg changes the image');
});

test('FROM shows its args expanded; a lone unnamed stage has no stage label', async () => {
  const r = await build('ARG BASE=base\nARG S=scratch\nFROM ${S} AS base\nFROM $BASE\nENV A=1\n');
  assert.deepEqual(r.events.filter((e) => e.type === 'step' && e.state === 'done').map((e) => e.type === 'step' && `[${e.stage} ${e.step}/${e.total}] ${e.text} (line ${e.line})`),
    ['[base 1/1] FROM scratch (line 3)', '[stage-1 1/1] FROM base (line 4)']);
  const lone = await build('FROM scratch\nLABEL a=b\n');
  assert.deepEqual(lone.events.map((e) => e.type === 'step' && `${e.stage}|${e.step}/${e.total} ${e.state}`), ['|1/1 running', '|1/1 done']);
});

test('errors carry the Dockerfile line and a stable code', async () => {
  const cases: [string, string, RegExp][] = [
    ['FROM scratch\nEXPOSE http\n', 'BUILD_SYNTAX', /^Dockerfile \(inline\):2: EXPOSE: invalid port/],
    ['FROM scratch\nENV A="${B:?needs B}"\n', 'BUILD_SYNTAX', /:2: ENV: B: needs B/],
    ['FROM scratch\nHEALTHCHECK --every=5s CMD x\n', 'BUILD_SYNTAX', /:2: HEALTHCHECK: unknown flag: --every/],
    ['FROM scratch\nRUN --security=insecure true\n', 'BUILD_UNSUPPORTED', /:2: RUN --security=insecure/],
    ['FROM scratch\nRUN --mount=type=secret,id=x true\n', 'BUILD_UNSUPPORTED', /:2: RUN --mount=type=secret/],
    ['FROM scratch\nCOPY --parents a /b\n', 'BUILD_SYNTAX', /:2: COPY: unknown flag: --parents/],
    ['FROM scratch\nCOPY missing.txt /x\n', 'BUILD_COPY', /:2: COPY missing\.txt \/x: "missing\.txt": not found/],
  ];
  for (const [text, code, re] of cases) {
    await assert.rejects(build(text), (e: unknown) => e instanceof BuildError && e.code === code && re.test(e.message), text);
  }
  await assert.rejects(build(DF, { target: 'nope' }), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_TARGET');
  await assert.rejects(build('FROM scratch\n', { tags: [] }), (e: unknown) => (e as { code?: string }).code === 'BUILD_ARGS');
});

test('labels from the request go on the final image only; ONBUILD is recorded', async () => {
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nONBUILD RUN echo child\nLABEL a=1\n');
  const r = await build('', { dockerfileInline: undefined, labels: { 'com.example': 'x' } } as never);
  assert.deepEqual(r.image.config.Labels, { a: '1', 'com.example': 'x' });
  assert.deepEqual((r.image.config as { OnBuild?: string[] }).OnBuild, ['RUN echo child']);
});
