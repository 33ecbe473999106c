// Image builds on the real kernel, offline: Dockerfiles built from the local busybox test image,
// every RUN in a real container of our runtime, the result run again to check it from inside.
// Nothing may be left (mounts, cgroups, processes) after any test, failures and aborts included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { testEnv, leftovers, cgroupDirs, type TestEnv } from '../../helpers/env.ts';
import { busyboxImage, debianImage, BUSYBOX_REF, DEBIAN_REF, DEBIAN_MISSING, testImagesDir } from '../../helpers/images.ts';
import { runImage } from '../../helpers/run-image.ts';
import { openImageStore, type ImageStore } from '../../../executor/image/store.ts';
import { buildImage, BuildError, type BuildEvent, type BuildRequest } from '../../../executor/build/build.ts';
import type { BuildConfig } from '../../../executor/build/state.ts';
import { normalizeRef } from '../../../executor/image/ref.ts';

let env: TestEnv;
let store: ImageStore;
before(async () => {
  env = testEnv('build');
  process.env.TSCOMPOSE_ROOT = env.root;
  process.env.TSCOMPOSE_RUN = env.run;
  store = openImageStore(join(env.root, 'images'));
  await busyboxImage(store);
});
after(() => {
  const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
  const tmp = readdirSync(join(env.root, 'images', 'tmp'));
  env.cleanup();
  assert.deepEqual(left, [], 'no mount, cgroup or process of ours is left');
  assert.deepEqual(tmp, [], 'no build dir is left in the store');
});

let n = 0;
function context(files: Record<string, string>): string {
  const dir = join(env.dir, `ctx${n++}`);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

async function build(contextDir: string, extra: Partial<BuildRequest> = {}) {
  const events: BuildEvent[] = [];
  const r = await buildImage({
    name: 'svc', contextDir, tags: [`test/b${n}:latest`], store, network: 'none', project: env.project,
    onEvent: (e) => events.push(e), ...extra,
  });
  return { ...r, events };
}

const run = (image: Parameters<typeof runImage>[0], argv?: string[]) => runImage(image, { dir: env.dir, project: env.project, ...(argv ? { argv } : {}) });
const stepStates = (events: BuildEvent[]) => events.filter((e) => e.type === 'step' && e.state !== 'running')
  .map((e) => (e.type === 'step' ? `${e.step} ${e.state}` : ''));

test('RUN, COPY, ENV, WORKDIR, USER, CMD: the built image runs, and a file deleted by a later layer is gone', async () => {
  const ctx = context({
    Dockerfile: [
      `FROM ${BUSYBOX_REF}`,
      'ENV GREETING="hello there"',
      'WORKDIR /app',
      'COPY hello.txt ./',
      'RUN echo "$GREETING" > /app/out.txt && rm /etc/group && chown 1000 /app/out.txt',
      'USER 1000',
      'CMD ["sh", "-c", "id -u; pwd; cat /app/hello.txt /app/out.txt; ls /etc/group 2>&1 || echo GONE"]',
    ].join('\n'),
    'hello.txt': 'from the context\n',
  });
  const r = await build(ctx);
  // BuildKit's numbering: FROM and the filesystem steps; ENV, USER, CMD make no event.
  assert.deepEqual(r.events.filter((e) => e.type === 'step' && e.state === 'running').map((e) => e.type === 'step' && `${e.step}/${e.total} ${e.text}`),
    [`1/4 FROM ${normalizeRef(BUSYBOX_REF)}`, '2/4 WORKDIR /app', '3/4 COPY hello.txt ./', `4/4 RUN echo "$GREETING" > /app/out.txt && rm /etc/group && chown 1000 /app/out.txt`]);
  assert.deepEqual([r.steps, r.cached], [3, 0], 'a cold build: three filesystem steps, none cached');
  assert.deepEqual(r.image.config.Cmd, ['sh', '-c', 'id -u; pwd; cat /app/hello.txt /app/out.txt; ls /etc/group 2>&1 || echo GONE']);
  assert.equal(r.image.config.User, '1000');
  assert.equal(r.image.config.WorkingDir, '/app');
  assert.ok(r.image.config.Env?.includes('GREETING=hello there'));
  assert.equal(r.image.layerDirs.length, 4, 'base + WORKDIR (made /app) + COPY + RUN');
  assert.ok(existsSync(join(r.image.layerDirs[3]!, 'etc', 'group')), 'the RUN layer holds a whiteout for /etc/group');
  const out = await run(r.image);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  assert.deepEqual(out.stdout.slice(0, 4), ['1000', '/app', 'from the context', 'hello there']);
  assert.equal(out.stdout[out.stdout.length - 1], 'GONE');
  assert.deepEqual((await store.resolve(r.refs[0]!))?.id, r.image.id, 'the tag resolves to the built image');
});

test('multi-stage: COPY --from a stage, FROM a stage, FROM scratch; ARG and ENV scoping as docker has it', async () => {
  const ctx = context({
    Dockerfile: [
      `ARG BASE=${BUSYBOX_REF}`,
      'ARG GLOBAL=g',
      'FROM ${BASE} AS build',
      'ARG GLOBAL',
      'ARG LOCAL=l1',
      'ENV FROM_ENV=e1 LOCAL_SHADOW=${LOCAL}',
      'RUN mkdir /out && echo "$GLOBAL-$LOCAL-$FROM_ENV-${NOT_DECLARED:-unset}-$LOCAL_SHADOW" > /out/vals',
      'FROM build AS second',
      'RUN echo "global:${GLOBAL:-empty} local:${LOCAL:-empty} env:$FROM_ENV" > /out/second',
      'FROM scratch',
      'COPY --from=second /out/ /',
      'COPY --from=0 /bin/busybox /bin/busybox',
    ].join('\n'),
  });
  const r = await build(ctx, { args: { LOCAL: 'override', UNUSED: 'x' } });
  const out = await run(r.image, ['/bin/busybox', 'cat', '/vals', '/second']);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  // build args override ARG defaults; a global ARG is visible in a stage only when re-declared;
  // ENV is inherited through FROM <stage>, ARGs are not.
  assert.deepEqual(out.stdout, ['g-override-e1-unset-override', 'global:empty local:empty env:e1']);
  assert.equal(r.image.layerDirs.length, 2, 'scratch + two COPY layers');
});

test('.dockerignore excludes paths (with re-includes); globs pick files', async () => {
  const ctx = context({
    Dockerfile: `FROM ${BUSYBOX_REF}\nCOPY . /app/\nCOPY *.md /docs/\nCOPY a.txt /bin\n`,
    '.dockerignore': '*.log\nsecret\n!secret/keep.txt\n**/node_modules\n',
    'a.txt': 'a', 'debug.log': 'x', 'README.md': 'r', 'NOTES.md': 'n',
    'secret/key': 'k', 'secret/keep.txt': 'kept', 'src/node_modules/m.js': 'm', 'src/index.js': 'i',
  });
  execFileSync('chmod', ['700', ctx]); // a private context dir (mkdtemp) does not make /app private
  const r = await build(ctx);
  const out = await run(r.image, ['sh', '-c', 'cd /app && find . -type f | sort; ls /docs; cat /bin/a.txt; echo; stat -c %a /app']);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  assert.deepEqual(out.stdout, [
    './.dockerignore', './Dockerfile', './NOTES.md', './README.md', './a.txt', './secret/keep.txt', './src/index.js',
    'NOTES.md', 'README.md', 'a', // `COPY a.txt /bin`: /bin is a dir of the image, so the file goes into it
    '755',
  ]);
});

test('cache: a rebuild hits every step and gives the same image; editing one file rebuilds from its COPY on', async () => {
  const ctx = context({
    Dockerfile: [
      `FROM ${BUSYBOX_REF}`,
      'RUN echo base > /base',
      'COPY deps.txt /app/deps.txt',
      'RUN cat /app/deps.txt > /app/installed',
      'COPY src/ /app/src/',
      'RUN cat /app/src/* > /app/bundle',
      'CMD ["cat", "/app/bundle"]',
    ].join('\n'),
    'deps.txt': 'dep1\n', 'src/a.js': 'A1\n', 'src/b.js': 'B1\n',
  });
  const first = await build(ctx);
  assert.deepEqual([first.steps, first.cached], [5, 0]);
  const second = await build(ctx);
  assert.deepEqual([second.steps, second.cached], [5, 5], stepStates(second.events).join(', '));
  assert.equal(second.image.id, first.image.id, 'a fully cached build is the same image');
  assert.ok(!second.events.some((e) => e.type === 'output'), 'no RUN ran');

  writeFileSync(join(ctx, 'src', 'b.js'), 'B2\n');
  const third = await build(ctx);
  assert.deepEqual(stepStates(third.events), ['1 done', '2 cached', '3 cached', '4 cached', '5 done', '6 done']);
  assert.deepEqual([third.steps, third.cached], [5, 3]);
  assert.notEqual(third.image.id, first.image.id);
  const out = await run(third.image);
  assert.deepEqual(out.stdout, ['A1', 'B2']);

  // touching a file without changing it keeps the cache (content, not mtime, is the key)
  execFileSync('touch', [join(ctx, 'src', 'a.js')]);
  const fourth = await build(ctx);
  assert.equal(fourth.cached, 5);
  const fresh = await build(ctx, { noCache: true });
  assert.deepEqual([fresh.steps, fresh.cached], [5, 0], 'noCache runs every step');
});

test('a syntax error names the Dockerfile line', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nRUN true\nRUNN echo x\n` });
  await assert.rejects(build(ctx), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.equal(e.code, 'BUILD_SYNTAX');
    assert.equal(e.line, 3);
    assert.match(e.message, /^Dockerfile:3: unknown instruction "RUNN"/);
    return true;
  });
});

test('a failing RUN reports its exit code, its output and its line, and leaves nothing behind', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nRUN echo first-line && echo to-stderr >&2 && exit 3\n` });
  await assert.rejects(build(ctx), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.equal(e.code, 'BUILD_RUN');
    assert.match(e.message, /^Dockerfile:2: /);
    assert.match(e.message, /exit code 3/);
    assert.match(e.message, /first-line/);
    assert.match(e.message, /to-stderr/);
    return true;
  });
  assert.deepEqual(leftovers(env.dir), []);
});

test('COPY never reads outside the context through a symlink; symlinks inside are copied as symlinks', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nCOPY tree /tree/\n`, 'tree/file': 'ok' });
  symlinkSync('/etc', join(ctx, 'evil'));
  symlinkSync('/etc/hostname', join(ctx, 'tree', 'link'));
  const r = await build(ctx);
  const out = await run(r.image, ['sh', '-c', 'readlink /tree/link; cat /tree/file']);
  assert.deepEqual(out.stdout, ['/etc/hostname', 'ok']);
  // The top-level source resolves inside the context, where evil/passwd (= <ctx>/etc/passwd) does not exist.
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BUSYBOX_REF}\nCOPY evil/passwd /stolen\n`);
  await assert.rejects(build(ctx), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_COPY' && /Dockerfile:2: .*not found/.test(e.message));
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BUSYBOX_REF}\nCOPY ../../etc/passwd /stolen\n`);
  await assert.rejects(build(ctx), (e: unknown) => e instanceof BuildError && /outside the build context/.test(e.message));
});

test('ADD extracts a local tar; COPY heredocs, --chown and --chmod; RUN heredoc; exec form; metadata instructions', async () => {
  const ctx = context({ Dockerfile: '', 'pkg/data/x.txt': 'in tar\n' });
  execFileSync('tar', ['-czf', join(ctx, 'pkg.tgz'), '-C', join(ctx, 'pkg'), 'data']);
  writeFileSync(join(ctx, 'Dockerfile'), [
    `FROM ${BUSYBOX_REF}`,
    'ADD pkg.tgz /opt/',
    'COPY --chown=1000:1000 --chmod=640 <<EOF /etc/app.conf',
    'key=value',
    'EOF',
    'RUN <<EOF',
    'echo from-heredoc > /hd',
    'stat -c "%u:%g %a" /etc/app.conf >> /hd',
    'EOF',
    'RUN <<EOT',
    '#!/bin/sh -e',
    'echo "script as $0" > /script-out',
    'EOT',
    'RUN ["sh", "-c", "echo exec-form > /exec; ls /.tscompose-run-script 2>/dev/null || echo no-script >> /exec"]',
    'EXPOSE 8080 53/udp',
    'LABEL org.example.name="my app" version=1',
    'VOLUME /data',
    'STOPSIGNAL SIGTERM',
    'HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost || exit 1',
    'CMD ["cat /opt/data/x.txt /hd /exec /script-out; ls -a / | grep tscompose | wc -l"]',
    'ENTRYPOINT ["sh", "-c"]',
  ].join('\n'));
  const r = await build(ctx, { labels: { 'com.example.extra': 'yes' } });
  const c = r.image.config;
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), ['53/udp', '8080/tcp']);
  assert.deepEqual(c.Labels, { 'org.example.name': 'my app', version: '1', 'com.example.extra': 'yes' });
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data']);
  assert.equal(c.StopSignal, 'SIGTERM');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 5e9, Retries: 2 });
  const out = await run(r.image);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  assert.deepEqual(out.stdout, ['in tar', 'from-heredoc', '1000:1000 640', 'exec-form', 'no-script', 'script as /.tscompose-run-script', '0'],
    'a shebang heredoc runs as a file that is in no layer');
});

test('COPY --chmod with a symbolic mode changes each item\'s own mode (X: dirs and executables only)', async () => {
  const ctx = context({ 'tree/a.txt': 'a\n', 'tree/run.sh': '#!/bin/sh\n', 'tree/sub/b.txt': 'b\n' });
  execFileSync('chmod', ['666', join(ctx, 'tree/a.txt')]);
  execFileSync('chmod', ['770', join(ctx, 'tree/run.sh')]);
  execFileSync('chmod', ['700', join(ctx, 'tree/sub')]);
  writeFileSync(join(ctx, 'Dockerfile'), [
    `FROM ${BUSYBOX_REF}`,
    'COPY --chmod=u=rwX,go=rX tree /t/',
    'COPY --chmod=go-w,u+x tree/a.txt /a.txt',
  ].join('\n'));
  const r = await build(ctx);
  const out = await run(r.image, ['stat', '-c', '%a %n', '/t/a.txt', '/t/run.sh', '/t/sub', '/t/sub/b.txt', '/a.txt']);
  assert.deepEqual(out.stdout, ['644 /t/a.txt', '755 /t/run.sh', '755 /t/sub', '644 /t/sub/b.txt', '744 /a.txt'], out.stderr.join('\n'));
  const bad = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nCOPY --chmod=u+q Dockerfile /x\n` });
  await assert.rejects(build(bad), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_SYNTAX' && /Dockerfile:2: invalid --chmod=u\+q/.test(e.message));
});

test('a missing context or Dockerfile is a BUILD_CONTEXT error', async () => {
  await assert.rejects(build(join(env.dir, 'no-such-dir')), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_CONTEXT');
  await assert.rejects(build(context({ 'other.txt': 'x' })), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_CONTEXT' && /Dockerfile/.test(e.message));
  const inline = await build(context({ 'f.txt': 'inline\n' }), { dockerfileInline: `FROM ${BUSYBOX_REF}\nCOPY f.txt /\n` });
  assert.deepEqual((await run(inline.image, ['cat', '/f.txt'])).stdout, ['inline']);
});

test('remote ADD sources are refused with a clear error', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nADD https://example.com/x.tgz /x\n` });
  await assert.rejects(build(ctx), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_UNSUPPORTED' && /Dockerfile:2:/.test(e.message));
});

test('RUN --mount=type=cache keeps its dir across builds and out of the layer', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nARG N\nRUN --mount=type=cache,target=/cache echo "$N" >> /cache/log && cat /cache/log > /seen\n` });
  await build(ctx, { args: { N: 'one' } });
  const r = await build(ctx, { args: { N: 'two' } });
  const out = await run(r.image, ['sh', '-c', 'cat /seen; ls /cache 2>/dev/null | wc -l']);
  assert.deepEqual(out.stdout, ['one', 'two', '0']);
});

test('concurrent builds sharing a base compute each shared step once', async () => {
  const base = [`FROM ${BUSYBOX_REF}`, 'RUN echo shared-step && sleep 0.3 && echo shared > /shared'];
  const a = context({ Dockerfile: [...base, 'RUN echo a > /who'].join('\n') });
  const b = context({ Dockerfile: [...base, 'RUN echo b > /who'].join('\n') });
  const [ra, rb] = await Promise.all([build(a, { tags: ['test/conc-a:latest'] }), build(b, { tags: ['test/conc-b:latest'] })]);
  const ran = [...ra.events, ...rb.events].filter((e) => e.type === 'output' && e.line === 'shared-step');
  assert.equal(ran.length, 1, 'the shared RUN ran once');
  assert.equal(ra.cached + rb.cached, 1);
  assert.deepEqual((await run(rb.image, ['cat', '/shared', '/who'])).stdout, ['shared', 'b']);
});

for (const network of ['none', 'default'] as const) {
  test(`an aborted build (network ${network}) stops its RUN and leaves nothing behind`, async () => {
    const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nRUN echo started && sleep 30\n` });
    const ac = new AbortController();
    const t0 = Date.now();
    const p = build(ctx, { network, signal: ac.signal, onEvent: (e) => { if (e.type === 'output' && e.line === 'started') ac.abort(); } });
    await assert.rejects(p, (e: unknown) => e instanceof BuildError && e.code === 'BUILD_ABORTED');
    assert.ok(Date.now() - t0 < 20_000, 'did not wait for the sleep');
    assert.deepEqual(leftovers(env.dir), [], 'no mount (rootfs, netns), cgroup or process');
    const nets = existsSync(join(env.run, 'networks')) ? readdirSync(join(env.run, 'networks')).filter((f) => f.endsWith('.json')) : [];
    assert.deepEqual(nets, [], 'the build network is gone');
  });
}

test('--target builds only the stages it needs', async () => {
  const ctx = context({
    Dockerfile: [`FROM ${BUSYBOX_REF} AS one`, 'RUN echo one > /one', `FROM ${BUSYBOX_REF} AS two`, 'RUN exit 9', 'FROM one AS three', 'RUN cat /one > /three'].join('\n'),
  });
  const r = await build(ctx, { target: 'three' });
  assert.equal(r.steps, 2, 'stage "two" is skipped');
  // Each stage numbers its own steps; FROM of a stage shows the stage's name.
  assert.deepEqual(r.events.filter((e) => e.type === 'step' && e.state === 'running').map((e) => e.type === 'step' && `[${e.stage} ${e.step}/${e.total}] ${e.text}`),
    [`[one 1/2] FROM ${normalizeRef(BUSYBOX_REF)}`, '[one 2/2] RUN echo one > /one', '[three 1/2] FROM one', '[three 2/2] RUN cat /one > /three']);
  assert.deepEqual((await run(r.image, ['cat', '/three'])).stdout, ['one']);
  await assert.rejects(build(ctx, { target: 'nope' }), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_TARGET');
  assert.equal(readFileSync(join(ctx, 'Dockerfile'), 'utf8').includes('AS two'), true);
});

test('USER and --chown by name from the image\'s /etc/passwd; ONBUILD triggers run in the child build; FROM --platform', async () => {
  const parent = context({
    Dockerfile: [
      `FROM --platform=$BUILDPLATFORM ${BUSYBOX_REF}`,
      'USER user',
      'WORKDIR /srv/app',
      'USER root',
      'ONBUILD COPY trigger.txt ./',
      'ONBUILD RUN echo "triggered as $(id -un)" > /srv/app/trig',
    ].join('\n'),
  });
  const p = await build(parent, { tags: ['test/onbuild-parent:latest'] });
  assert.deepEqual((p.image.config as BuildConfig).OnBuild, ['COPY trigger.txt ./', 'RUN echo "triggered as $(id -un)" > /srv/app/trig']);
  const child = context({
    Dockerfile: [
      'FROM test/onbuild-parent:latest',
      'COPY --chown=user:user owned.txt /home/',
      'USER user',
      'RUN id -un > /tmp/whoami && touch /tmp/mine',
      'CMD ["sh", "-c", "cat trigger.txt trig /tmp/whoami; stat -c %U /home/owned.txt /tmp/mine /srv/app; pwd"]',
    ].join('\n'),
    'trigger.txt': 'trigger file\n', 'owned.txt': 'x',
  });
  const c = await build(child);
  assert.equal((c.image.config as BuildConfig).OnBuild, undefined, 'triggers are not inherited');
  const out = await run(c.image);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  assert.deepEqual(out.stdout, ['trigger file', 'triggered as root', 'user', 'user', 'user', 'user', '/srv/app'], 'WORKDIR made as the USER of its stage');
  const arm = context({ Dockerfile: `FROM --platform=linux/arm64 ${BUSYBOX_REF}\n` });
  await assert.rejects(build(arm), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_UNSUPPORTED' && /Dockerfile:1:/.test(e.message));
});

test('a build first ends the RUN container, unmounts and removes the step dirs of a build whose process died', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mountRootfs } = await import('../../../executor/rootfs/rootfs.ts');
  const { isMountPoint } = await import('../../../executor/rootfs/mountinfo.ts');
  const dead = spawnSync('true').pid!;
  const stale = join(env.root, 'images', 'tmp', `build-${dead}-deadbeef0000`);
  const base = await busyboxImage(store);
  const { merged } = await mountRootfs({ containerDir: stale, layerDirs: base.layerDirs, initFiles: {} });
  assert.ok(isMountPoint(merged));
  await build(context({ Dockerfile: `FROM ${BUSYBOX_REF}\nENV X=1\n` }));
  assert.equal(isMountPoint(merged), false);
  assert.equal(existsSync(stale), false);

  // A build process killed with -9 in the middle of a RUN: its container keeps running until the next build.
  const { spawn } = await import('node:child_process');
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nRUN echo running && sleep 60\n` });
  const script = `
    const { openImageStore } = await import(${JSON.stringify(new URL('../../../executor/image/store.ts', import.meta.url).pathname)});
    const { buildImage } = await import(${JSON.stringify(new URL('../../../executor/build/build.ts', import.meta.url).pathname)});
    await buildImage({ name: 'killed', contextDir: ${JSON.stringify(ctx)}, tags: ['test/killed'], network: 'default', project: ${JSON.stringify(env.project)},
      store: openImageStore(${JSON.stringify(join(env.root, 'images'))}), onEvent: (e) => { if (e.type === 'output') console.log(e.line); } });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('running')) resolve(); });
    child.on('exit', () => reject(new Error('the build process ended before its RUN started')));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.ok(cgroupDirs().some((d) => d.includes(env.project)), 'the RUN container outlived its build process');
  await build(context({ Dockerfile: `FROM ${BUSYBOX_REF}\nENV X=2\n` }));
  assert.deepEqual(cgroupDirs().filter((d) => d.includes(env.project)), [], 'the next build ended it');
  assert.deepEqual(leftovers(env.dir), [], 'no mount (rootfs, netns) or process');
  assert.deepEqual(readdirSync(join(env.run, 'networks')).filter((f) => f.endsWith('.json')), [], 'the build network is gone');
});

test('network default: a RUN gets an address and a default route on the build network, which goes with the build', async () => {
  const ctx = context({ Dockerfile: `FROM ${BUSYBOX_REF}\nRUN ip -o -4 addr show eth0; ip route | grep default\nRUN ip -o -4 addr show eth0\n` });
  let bridge = '';
  const lines: string[] = [];
  await build(ctx, {
    network: 'default', noCache: true,
    onEvent: (e) => {
      if (e.type !== 'output') return;
      lines.push(e.line);
      if (!bridge) {
        const f = join(env.run, 'networks', 'tscompose_build.json');
        bridge = (JSON.parse(readFileSync(f, 'utf8')) as { bridge: string }).bridge;
      }
    },
  });
  assert.match(lines[0] ?? '', /eth0\s+inet 10\.\d+\.\d+\.\d+\//);
  assert.match(lines[1] ?? '', /^default via 10\./);
  assert.match(bridge, /^tsc-[0-9a-f]{8}$/);
  assert.equal(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).includes(`${bridge}:`), false, 'the bridge is removed');
  assert.deepEqual(readdirSync(join(env.run, 'networks')).filter((f) => f.endsWith('.json')), []);
});

test('RUN --mount=type=bind reads the context read-only and keys the cache on its content; tmpfs mounts stay out of the layer', async () => {
  const ctx = context({
    Dockerfile: [
      `FROM ${BUSYBOX_REF}`,
      'WORKDIR /app',
      'RUN --mount=type=bind,source=deps.txt,target=deps.txt --mount=type=bind,source=src,target=/src --mount=type=tmpfs,target=/scratch \\',
      '    cat deps.txt /src/a > /app/out && echo tmp > /scratch/x && (touch /src/new 2>/dev/null && echo WROTE || echo read-only) >> /app/out',
    ].join('\n'),
    'deps.txt': 'dep-1\n', 'src/a': 'A\n',
  });
  const first = await build(ctx);
  const look = ['sh', '-c', 'cat /app/out; ls /app; ls /scratch /src 2>&1 | wc -l'];
  assert.deepEqual((await run(first.image, look)).stdout, ['dep-1', 'A', 'read-only', 'out', '2']);
  assert.equal(existsSync(join(ctx, 'src', 'new')), false, 'the context was not written');
  assert.equal((await build(ctx)).cached, 2, 'unchanged bound files: WORKDIR and RUN cached');
  writeFileSync(join(ctx, 'deps.txt'), 'dep-2\n');
  const third = await build(ctx);
  assert.deepEqual(stepStates(third.events), ['1 done', '2 cached', '3 done']);
  assert.deepEqual((await run(third.image, look)).stdout.slice(0, 1), ['dep-2']);
});

const haveDebian = existsSync(join(testImagesDir, 'debian', 'rootfs.tar'));
test('a Debian image: SHELL bash, a user made by useradd, USER by name, a locked apt cache mount', { skip: haveDebian ? false : DEBIAN_MISSING }, async () => {
  assert.ok(await debianImage(store));
  const ctx = context({
    Dockerfile: [
      `FROM ${DEBIAN_REF}`,
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN useradd --create-home --uid 1500 app && [[ -n "$BASH_VERSION" ]] && echo bash > /shell',
      'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked ls -d /var/cache/apt > /apt-cache',
      'USER app',
      'WORKDIR /home/app/work',
      'RUN id -un > whoami && pwd >> whoami',
      'CMD ["bash", "-c", "cat /shell /apt-cache whoami"]',
    ].join('\n'),
  });
  const r = await build(ctx);
  const out = await run(r.image);
  assert.equal(out.code, 0, out.stderr.join('\n'));
  assert.deepEqual(out.stdout, ['bash', '/var/cache/apt', 'app', '/home/app/work']);
});
