// Intent: a project's `build:` sections become the engine's requests as docker compose does
// (image naming, flags, args, contexts); the right services are built for `build` and for `up`
// (--build / missing images / pull_policy: build / --no-build); builds run as a graph, a
// `service:` context waiting for its service's build, independent ones at the same time, and a
// failure is reported as the build's own error. The build function is a recording fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Project, Service } from '../../../schema/model.ts';
import { TscError } from '../../../schema/errors.ts';
import type { BuildRequest, BuildResult } from '../../../executor/build/build.ts';
import type { ImageStore } from '../../../executor/image/store.ts';
import {
  buildRequestOf, imageRefOf, runBuilds, servicesToBuild, servicesToBuildForUp,
} from '../../../executor/supervisor/builds.ts';
import { servicesInScope } from '../../../executor/supervisor/pull-images.ts';

const svc = (s: Partial<Service>): Service => ({ environment: {}, labels: {}, depends_on: {}, ...s }) as Service;
const proj = (services: Record<string, Partial<Service>>): Project =>
  ({ name: 'shop', services: Object.fromEntries(Object.entries(services).map(([k, v]) => [k, svc(v)])) }) as unknown as Project;

const p = proj({
  web: { build: { context: '/src/web', dockerfile: 'Dockerfile' }, depends_on: { api: { condition: 'service_started', required: true, restart: false } } as Service['depends_on'] },
  api: { image: 'acme/api:2', build: { context: '/src/api', dockerfile: 'docker/Dockerfile.prod', tags: ['acme/api:latest'] } },
  base: { build: { context: '/src/base', dockerfile: 'Dockerfile' } },
  app: { build: { context: '/src/app', dockerfile: 'Dockerfile', additional_contexts: { base: 'service:base', assets: '/src/assets', alp: 'docker-image://alpine:3' } } },
  db: { image: 'postgres:16' },
  Mixed: { build: { context: '/src/m', dockerfile: 'Dockerfile' } },
});

test('image names: image: wins, else <project>-<service> lowercased; no build and no image: none', () => {
  assert.equal(imageRefOf(p, 'api'), 'acme/api:2');
  assert.equal(imageRefOf(p, 'web'), 'shop-web');
  assert.equal(imageRefOf(p, 'Mixed'), 'shop-mixed');
  assert.equal(imageRefOf(p, 'db'), 'postgres:16');
  assert.equal(imageRefOf(proj({ x: {} }), 'x'), undefined);
});

test('a build: section becomes the engine request: tags, dockerfile path, args with --build-arg winning, flags', () => {
  const q = proj({
    w: {
      image: 'w:1',
      build: {
        context: '/c', dockerfile: 'sub/Dockerfile', args: { A: '1', B: '2' }, target: 'prod', labels: { l: 'v' }, no_cache: false,
        pull: true, tags: ['w:1', 'w:extra'], shm_size: 67108864, network: 'none', extra_hosts: { h: ['10.0.0.1', '10.0.0.2'] },
      },
    },
  });
  assert.deepEqual(buildRequestOf(q, 'w', { args: { B: 'cli' }, noCache: true }), {
    name: 'w', contextDir: '/c', dockerfile: '/c/sub/Dockerfile', tags: ['w:1', 'w:extra'], project: 'shop',
    args: { A: '1', B: 'cli' }, target: 'prod', labels: { l: 'v' }, noCache: true, pull: true, shmSize: 67108864,
    network: 'none', extraHosts: ['h:10.0.0.1', 'h:10.0.0.2'],
  });
  const inline = proj({ i: { build: { context: '/c', dockerfile_inline: 'FROM scratch\n' } } });
  assert.deepEqual(buildRequestOf(inline, 'i'), { name: 'i', contextDir: '/c', dockerfileInline: 'FROM scratch\n', tags: ['shop-i'], project: 'shop' });
});

test('additional contexts: service: → that service image, docker-image:// → image, directory → dir', () => {
  assert.deepEqual(buildRequestOf(p, 'app').additionalContexts, { base: { image: 'shop-base' }, assets: { dir: '/src/assets' }, alp: { image: 'alpine:3' } });
});

test('unsupported contexts and networks are clear errors or warnings', () => {
  const remote = proj({ r: { build: { context: 'https://github.com/x/y.git#main', dockerfile: 'Dockerfile' } } });
  assert.throws(() => buildRequestOf(remote, 'r'), (e) => e instanceof TscError && e.code === 'BUILD_CONTEXT' && /not a local directory/.test(e.message));
  const bad = proj({ r: { build: { context: '/c', dockerfile: 'Dockerfile', additional_contexts: { x: 'service:nope' } } } });
  assert.throws(() => buildRequestOf(bad, 'r'), (e) => e instanceof TscError && /"nope"/.test(e.message));
  const warnings: string[] = [];
  const net = proj({ n: { build: { context: '/c', dockerfile: 'Dockerfile', network: 'mynet' } } });
  assert.equal(buildRequestOf(net, 'n', {}, (m) => warnings.push(m)).network, undefined);
  assert.match(warnings[0]!, /build.network "mynet" is not supported/);
});

test('tscompose build: every buildable service, or the named ones plus their service: contexts; unknown names fail', () => {
  assert.deepEqual(servicesToBuild(p), ['web', 'api', 'base', 'app', 'Mixed']);
  assert.deepEqual(servicesToBuild(p, ['app']), ['base', 'app']);
  assert.deepEqual(servicesToBuild(p, ['db']), []);
  assert.throws(() => servicesToBuild(p, ['nope']), (e) => e instanceof TscError && e.code === 'NO_SERVICE');
});

test('up: --build builds all it starts, default only missing images and pull_policy: build, --no-build none', async () => {
  const present = new Set(['shop-web', 'acme/api:2', 'shop-base']);
  const has = async (r: string) => present.has(r);
  const q = proj({ ...p.services, pb: { image: 'pb:1', pull_policy: 'build', build: { context: '/pb', dockerfile: 'Dockerfile' } } });
  assert.deepEqual(await servicesToBuildForUp(q, ['web', 'api', 'db'], 'always', has), ['web', 'api']);
  assert.deepEqual(await servicesToBuildForUp(q, Object.keys(q.services), 'missing', has), ['app', 'Mixed', 'pb']);
  assert.deepEqual(await servicesToBuildForUp(q, Object.keys(q.services), 'never', has), []);
  // app's service:base context is missing too: it is built first.
  present.delete('shop-base');
  assert.deepEqual(await servicesToBuildForUp(q, ['app'], 'missing', has), ['base', 'app']);
  assert.deepEqual(servicesInScope(p, ['web']), ['web', 'api']);
  assert.deepEqual(servicesInScope(p, ['web'], false), ['web']);
});

/** A fake engine: records start/end, waits `ms`, fails where told. */
function fakeBuild(o: { ms?: number; fail?: string } = {}) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const build = async (req: BuildRequest): Promise<BuildResult> => {
    running++;
    peak = Math.max(peak, running);
    log.push(`start ${req.name}`);
    req.onEvent?.({ type: 'step', name: req.name, stage: '', step: 1, total: 1, text: 'RUN true', line: 2, state: 'running' });
    await new Promise((r) => setTimeout(r, o.ms ?? 20));
    running--;
    log.push(`end ${req.name}`);
    if (req.name === o.fail) throw new TscError('BUILD_RUN', `Dockerfile:2: RUN true: exit code 1`);
    return { image: { ref: req.tags[0]!, id: `sha256:${req.name}`, digest: `sha256:m-${req.name}` } as BuildResult['image'], refs: req.tags, steps: 1, cached: 0 };
  };
  return { build, log, peak: () => peak };
}

const store = {} as ImageStore;

test('builds run as a graph: a service: context waits for its service, independent builds overlap (bounded)', async () => {
  const f = fakeBuild();
  const events: string[] = [];
  const r = await runBuilds({ project: p, services: ['base', 'app', 'web', 'api'], build: f.build, store, concurrency: 2, onEvent: (e) => events.push(e.name) });
  assert.deepEqual([...r.keys()].sort(), ['api', 'app', 'base', 'web']);
  assert.ok(f.log.indexOf('end base') < f.log.indexOf('start app'), f.log.join(','));
  assert.equal(f.peak(), 2);
  assert.equal(events.length, 4);
});

test('a failed build rejects with its own error; what depends on it is not built', async () => {
  const f = fakeBuild({ fail: 'base' });
  const states: string[] = [];
  await assert.rejects(runBuilds({ project: p, services: ['base', 'app', 'web'], build: f.build, store, onService: (e) => states.push(`${e.service} ${e.state}`) }),
    (e) => e instanceof TscError && e.code === 'BUILD_RUN' && /Dockerfile:2/.test(e.message));
  assert.ok(!f.log.includes('start app'));
  assert.ok(states.includes('base failed') && states.includes('web done'), states.join(','));
});

test('an aborted run rejects with the abort reason and starts nothing new', async () => {
  const f = fakeBuild({ ms: 50 });
  const ac = new AbortController();
  const reason = new TscError('INTERRUPTED', 'Build interrupted by SIGINT', { exitCode: 130 });
  setTimeout(() => ac.abort(reason), 10);
  await assert.rejects(runBuilds({ project: p, services: ['base', 'app'], build: f.build, store, signal: ac.signal }), (e) => e === reason);
  assert.ok(!f.log.includes('start app'));
});
