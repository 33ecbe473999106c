// Intent: image builds as a user drives them, on a copy of examples/stacks/build-app and on small
// stacks of the test's own. `tscompose build` builds the example and `up` runs it (the page was
// rendered by the build stage, the .dockerignore kept files out); a second build is all cached;
// editing one source file rebuilds only from its COPY on, and `up --build` recreates the
// services running that image; plain `up` builds a missing image, `--no-build` refuses to; a
// `service:` context waits for that service's build; a failing RUN exits non-zero with its
// Dockerfile line and its output; Ctrl-C cancels a build (exit 130, its RUN container gone);
// `down` leaves nothing of the project behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, exitOf, freePort, STACKS, until } from './cli.ts';
import { leftovers } from '../helpers/env.ts';

const e = e2eEnv('build');
const app = join(e.dir, 'build-app');
cpSync(`${STACKS}/build-app`, app, { recursive: true });
after(() => {
  const left = [...e.teardown(app), ...e.teardown(join(e.dir, 'small'))];
  e.cleanup();
  assert.deepEqual(left, []);
});

interface StepLine { label: string; cached: boolean; text: string }

/** Steps that change files (and so come from the cache or not): every listed step but FROM (config steps are not listed). */
const fsStep = (s: StepLine) => !/^FROM /.test(s.text);

/**
 * The steps of a plain-progress build output, in the order they started (numbers restart per
 * stage): each step's text and whether it came from the cache.
 */
function steps(stderr: string, service: string): StepLine[] {
  const byLabel = new Map<string, StepLine>();
  for (const l of stderr.split('\n')) {
    const m = new RegExp(`^\\[(${service}(?: \\S+)? \\d+/\\d+)\\] (CACHED ?|DONE.*|ERROR )?(.*)$`).exec(l);
    if (!m || m[3]!.startsWith('| ')) continue;
    const s = byLabel.get(m[1]!) ?? { label: m[1]!, cached: false, text: '' };
    if (m[2]?.startsWith('CACHED')) s.cached = true;
    if (!m[2] || m[2].startsWith('CACHED')) s.text ||= m[3]!;
    byLabel.set(m[1]!, s);
  }
  return [...byLabel.values()];
}

test('build, up, cached rebuild, one-file edit, up --build and down on the build-app example', async () => {
  const port = await freePort();
  const env = { BUILD_APP_PORT: String(port) };
  const p = ['-p', e.project];

  const b1 = e.tsc([...p, 'build', '--progress', 'plain'], { cwd: app, env });
  assert.equal(b1.code, 0, b1.stderr);
  const first = steps(b1.stderr, 'web');
  assert.ok(first.some((s) => /^RUN /.test(s.text) && !s.cached), b1.stderr);
  // As BuildKit shows it: `FROM ${BASE}` resolved, each stage numbered on its own (the unnamed
  // final stage is stage-1), ARG/ENV/LABEL/EXPOSE/CMD not listed; a cold build has nothing cached.
  assert.deepEqual(first.filter((s) => /^FROM /.test(s.text)).map((s) => `${s.label} ${s.text}`),
    ['web render 1/5 FROM docker.io/tscompose-test/busybox:latest', 'web stage-1 1/4 FROM docker.io/tscompose-test/busybox:latest'], b1.stderr);
  assert.doesNotMatch(b1.stderr, /^\[web .*\] (ARG|ENV|LABEL|EXPOSE|CMD) /m);
  assert.match(b1.stderr, /✔ web built in [\d.]+s \(7 steps, 0 cached\)/);

  // The image exists: `up` builds nothing and runs it.
  const up = e.tsc([...p, 'up', '-d', '--wait'], { cwd: app, env });
  assert.equal(up.code, 0, up.stderr);
  assert.doesNotMatch(up.stderr, /\[web /);
  const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.match(page, /<h1>hello from a tscompose build<\/h1>/);
  assert.match(page, /version 1\.0/);
  // ARG/ENV reached the final stage; .dockerignore kept secrets, notes and *.tmp out; only the
  // render stage's output was copied (no sources in the final image).
  const ex = e.tsc([...p, 'exec', '-T', 'web', 'sh', '-c', 'echo "$APP_VERSION"; cat /www/version.txt; ls /www; ls /src 2>&1 || true'], { cwd: app, env });
  assert.equal(ex.code, 0, ex.stderr);
  const [envVersion, fileVersion, ...rest] = ex.stdout.trim().split('\n');
  assert.equal(envVersion, '1.0');
  assert.equal(fileVersion, '1.0');
  assert.deepEqual(rest.slice(0, 4), ['context.txt', 'index.html', 'serve.sh', 'version.txt']);
  assert.match(rest.join('\n'), /No such file or directory/);
  // What the build stage saw of src/: the .dockerignore left out notes/, secret.txt and *.tmp.
  const ctx = e.tsc([...p, 'exec', '-T', 'client', 'cat', '/www/context.txt'], { cwd: app, env });
  assert.deepEqual(ctx.stdout.trim().split('\n'), ['index.html.in', 'serve.sh'], ctx.stderr);
  await until(() => e.tsc([...p, 'logs', 'client'], { cwd: app, env }).stdout.includes('hello from a tscompose build'), 15_000, 'client fetched the page by service name');

  // Nothing changed: every RUN and COPY comes from the cache.
  const b2 = e.tsc([...p, 'build', '--progress', 'plain'], { cwd: app, env });
  assert.equal(b2.code, 0, b2.stderr);
  const second = steps(b2.stderr, 'web').filter(fsStep);
  assert.ok(second.length === 7 && second.every((s) => s.cached), b2.stderr);
  assert.match(b2.stderr, /✔ web built in [\d.]+s \(7 steps, 7 cached\)/);

  // One source file edited: the steps before `COPY src/` stay cached, that COPY and what follows rebuild.
  appendFileSync(join(app, 'app/src/index.html.in'), '<p>edited</p>\n');
  const before = e.tsc([...p, 'ps', '--format', 'json'], { cwd: app, env });
  const ids = (JSON.parse(before.stdout) as { ID: string }[]).map((r) => r.ID).sort();
  const b3 = e.tsc([...p, 'up', '-d', '--build', '--wait'], { cwd: app, env });
  assert.equal(b3.code, 0, b3.stderr);
  const third = steps(b3.stderr, 'web').filter(fsStep);
  // The steps before the render stage's COPY src/ stay cached; that COPY and every filesystem step
  // after it (its RUN, the final stage's COPY --from and RUN) ran again. The render stage, which
  // the final one copies from, is built (and listed) first.
  assert.deepEqual(third.map((s) => [s.text.split(' ').slice(0, 2).join(' '), s.cached]),
    [['WORKDIR /src', true], ['RUN mkdir', true], ['COPY src/', false], ['RUN sed', false], ['WORKDIR /www', true], ['COPY --from=render', false], ['RUN chmod', false]], b3.stderr);
  assert.match(b3.stderr, /✔ web built in [\d.]+s \(7 steps, 3 cached\)/);
  // The rebuilt image recreated both services that run it.
  const after2 = e.tsc([...p, 'ps', '--format', 'json'], { cwd: app, env });
  const ids2 = (JSON.parse(after2.stdout) as { ID: string }[]).map((r) => r.ID).sort();
  assert.equal(ids2.length, 2);
  assert.ok(ids2.every((id) => !ids.includes(id)), `${ids} → ${ids2}`);
  assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /<p>edited<\/p>/);

  const down = e.tsc([...p, 'down', '-t', '0'], { cwd: app, env });
  assert.equal(down.code, 0, down.stderr);
  assert.equal(e.tsc([...p, 'ps', '-a', '-q'], { cwd: app, env }).stdout, '');
});

const small = join(e.dir, 'small');
function smallStack(files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(small, f, '..'), { recursive: true });
    writeFileSync(join(small, f), text);
  }
}

test('up builds a missing image (a service: context first), --no-build refuses to', () => {
  const p = ['-p', `${e.project}s`];
  smallStack({
    'compose.yaml': `services:
  base:
    build: ./base
    command: ["true"]
  app:
    build:
      context: ./app
      additional_contexts:
        base: service:base
    command: ["sh", "-c", "cat /from-base /app.txt; sleep 30"]
`,
    'base/Dockerfile': 'FROM tscompose-test/busybox:latest\nRUN echo "made by base" > /from-base\n',
    'app/Dockerfile': 'FROM tscompose-test/busybox:latest\nCOPY --from=base /from-base /from-base\nCOPY app.txt /app.txt\n',
    'app/app.txt': 'app here\n',
  });
  const dry = e.tsc([...p, 'up', '--dry-run'], { cwd: small });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^build base: image ${e.project}s-base \\(missing\\)\nbuild app: image ${e.project}s-app \\(missing\\)\n`), dry.stdout);
  const refused = e.tsc([...p, 'up', '-d', '--no-build'], { cwd: small });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /image \S+-app is not built/);
  assert.match(refused.stderr, /tscompose build app/);
  e.tsc([...p, 'down', '-t', '0'], { cwd: small });

  const up = e.tsc([...p, '--progress', 'plain', 'up', '-d'], { cwd: small });
  assert.equal(up.code, 0, up.stderr);
  // base (needed by app's service: context) was built before app.
  const order = up.stderr.split('\n').filter((l) => /^✔ (base|app) built/.test(l)).map((l) => l.split(' ')[1]);
  assert.deepEqual(order, ['base', 'app'], up.stderr);
  const images = e.tsc(['images', '--format', 'json']);
  assert.match(images.stdout, new RegExp(`${e.project}s-app`));
  const logs = e.tsc([...p, 'logs', '--no-log-prefix', 'app'], { cwd: small });
  assert.match(logs.stdout, /made by base\s+app here/);
  // The two images were built for services without image: — `down --rmi local` removes them.
  const down = e.tsc([...p, 'down', '-t', '0', '--rmi', 'local'], { cwd: small });
  assert.equal(down.code, 0, down.stderr);
  const left = e.tsc(['images', '--format', 'json']).stdout;
  assert.doesNotMatch(left, new RegExp(`${e.project}s-(app|base)`), left);
  assert.match(left, /tscompose-test\/busybox/);
});

test('a failing RUN exits non-zero with its Dockerfile line and shows its output', () => {
  const dir = join(e.dir, 'broken');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  bad:\n    build: .\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM tscompose-test/busybox:latest\nWORKDIR /w\n\nRUN echo "compiling..." && echo "error: no such module" >&2 && exit 3\nRUN echo never\n');
  for (const progress of ['plain', 'quiet']) {
    const r = e.tsc(['-p', `${e.project}x`, 'build', '--progress', progress], { cwd: dir });
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /Dockerfile:4\b/, r.stderr);
    assert.match(r.stderr, /error: no such module/, r.stderr);
    assert.doesNotMatch(r.stderr, /never|at .*\.ts:\d+/, r.stderr);
  }
  // A Dockerfile syntax error names its line too, and nothing runs.
  writeFileSync(join(dir, 'Dockerfile'), 'FROM tscompose-test/busybox:latest\nRUNN echo hi\n');
  const syn = e.tsc(['-p', `${e.project}x`, 'build'], { cwd: dir });
  assert.notEqual(syn.code, 0);
  assert.match(syn.stderr, /Dockerfile:2\b/, syn.stderr);
});

test('Ctrl-C cancels a running build: exit 130, the RUN container and its mounts are gone', async () => {
  const dir = join(e.dir, 'slow');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  slow:\n    build: .\n');
  const project = `${e.project}c`;
  // The project name in the RUN's command line lets leftovers() find its process.
  writeFileSync(join(dir, 'Dockerfile'), `FROM tscompose-test/busybox:latest\nRUN echo started && sh -c 'sleep 60; echo ${project}' && echo finished\n`);
  const child = e.spawnTsc(['-p', project, 'build', '--progress', 'plain'], { cwd: dir });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  await until(() => err.includes('| started'), 30_000, 'the RUN to start');
  child.kill('SIGINT');
  assert.equal(await exitOf(child, 20_000, 'build after Ctrl-C'), 130, err);
  assert.match(err, /interrupted by SIGINT/i);
  assert.doesNotMatch(err, /\| finished/);
  const left = () => [...leftovers(project), ...leftovers(e.dir).filter((l) => l.startsWith('mount'))];
  await until(() => left().length === 0, 10_000, 'the build to leave nothing');
  assert.deepEqual(left(), []);
});

test('two services building from one Dockerfile run in parallel and share their common stage', () => {
  const dir = join(e.dir, 'shared');
  mkdirSync(join(dir, 'ctx'), { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  a:\n    build: {context: ./ctx, target: a}\n  b:\n    build: {context: ./ctx, target: b}\n');
  writeFileSync(join(dir, 'ctx/Dockerfile'), [
    'FROM tscompose-test/busybox:latest AS base', 'RUN sleep 1 && echo base > /base',
    'FROM base AS a', 'RUN echo a > /a', 'FROM base AS b', 'RUN echo b > /b', '',
  ].join('\n'));
  const r = e.tsc(['-p', `${e.project}h`, 'build', '--progress', 'plain'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  // Both builds started before either ended (parallel), and the base stage's RUN ran once.
  const lines = r.stderr.split('\n');
  const started = (s: string) => lines.findIndex((l) => new RegExp(`^\\[${s} base 1/`).test(l));
  const ended = lines.findIndex((l) => /^✔ [ab] built/.test(l));
  assert.ok(started('a') >= 0 && started('b') >= 0 && Math.max(started('a'), started('b')) < ended, r.stderr);
  const baseRuns = ['a', 'b'].map((s) => steps(r.stderr, s).find((x) => x.text.startsWith('RUN sleep'))!);
  assert.deepEqual(baseRuns.map((x) => x.cached).sort(), [false, true], r.stderr);
});
