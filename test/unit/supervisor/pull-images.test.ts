import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPullFlag, imageDigestsOf, parsePullFlag, pullForUp, refreshIntervalMs, servicesInScope, storePolicyOf } from '../../../executor/supervisor/pull-images.ts';
import { TscError } from '../../../schema/errors.ts';
import { project, service } from './fakes.ts';
import type { ProjectEvent } from '../../../executor/supervisor/events.ts';

function fakeStore(present: Record<string, string>, fail: string[] = []) {
  const calls: string[] = [];
  return {
    calls,
    async resolve(ref: string) { return present[ref] ? { digest: present[ref]! } : undefined; },
    async ensure(ref: string, policy: string) {
      calls.push(`${policy} ${ref}`);
      if (fail.includes(ref)) throw new TscError('REGISTRY_UNREACHABLE', 'connection refused');
      present[ref] = `sha256:new-${ref}`;
      return { digest: present[ref]! };
    },
  };
}

test('--pull: compose values, "policy" = each service\'s own, anything else a usage error', () => {
  assert.equal(parsePullFlag(undefined), undefined);
  assert.equal(parsePullFlag('policy'), undefined);
  for (const v of ['always', 'missing', 'never', 'build']) assert.equal(parsePullFlag(v), v);
  assert.throws(() => parsePullFlag('sometimes'), /invalid --pull value "sometimes"/);
});

test('the flag becomes every service\'s pull_policy without changing the input; builds are left to the builder', () => {
  const p = project('p', { a: service({ pull_policy: 'never' }), b: service() });
  const q = applyPullFlag(p, 'always');
  assert.deepEqual(Object.values(q.services).map((s) => s.pull_policy), ['always', 'always']);
  assert.equal(p.services.a!.pull_policy, 'never');
  assert.equal(storePolicyOf(service({ pull_policy: 'if_not_present' })), 'missing');
  assert.equal(storePolicyOf(service({ pull_policy: 'daily' })), 'missing');
  assert.equal(storePolicyOf(service({ build: { context: '.' }, pull_policy: 'always' } as never)), undefined);
  assert.equal(storePolicyOf(service({ image: undefined } as never)), undefined);
});

test('scope: named services and their dependencies (not with --no-deps), all when none is named', () => {
  const p = project('p', { db: service(), web: service({ depends_on: { db: { condition: 'service_started', required: true } } }), x: service() });
  assert.deepEqual(servicesInScope(p, []), ['db', 'web', 'x']);
  assert.deepEqual(servicesInScope(p, ['web']), ['db', 'web']);
  assert.deepEqual(servicesInScope(p, ['web'], false), ['web']);
});

test('scope: what up starts with a service through links, network_mode: service: and volumes_from is in scope too', () => {
  const p = project('p', {
    app: service({ links: ['cache:c'], network_mode: 'service:vpn', volumes_from: ['store:ro'] }),
    cache: service(), vpn: service(), store: service(), other: service(),
  });
  assert.deepEqual(servicesInScope(p, ['app']), ['app', 'cache', 'vpn', 'store']);
  assert.deepEqual(servicesInScope(p, ['app'], false), ['app']);
});

test('pullForUp pulls once per image by the strictest policy, skips present ones under missing, and marks pulled services', async () => {
  const p = project('p', {
    a: service({ image: 'reg/one' }),
    b: service({ image: 'reg/one', pull_policy: 'always' }),
    c: service({ image: 'reg/two' }),
    d: service({ image: 'reg/three' }),
    e: service({ image: 'reg/four', pull_policy: 'never' }),
  });
  const store = fakeStore({ 'reg/two': 'sha256:2', 'reg/four': 'sha256:4' });
  const events: Omit<ProjectEvent, 'time'>[] = [];
  const out = await pullForUp(p, store, { emit: (e) => events.push(e) });
  assert.deepEqual(store.calls.sort(), ['always reg/one', 'missing reg/three']);
  assert.deepEqual(events.map((e) => `${e.action} ${e.name}`).sort(), ['pull reg/one', 'pull reg/three', 'pulled reg/one', 'pulled reg/three']);
  // Pulled already: creating the containers must not pull again.
  assert.deepEqual(Object.fromEntries(Object.entries(out.services).map(([n, s]) => [n, s.pull_policy ?? null])),
    { a: 'missing', b: 'missing', c: null, d: 'missing', e: 'never' });
  assert.deepEqual(await imageDigestsOf(out, store), { a: 'sha256:new-reg/one', b: 'sha256:new-reg/one', c: 'sha256:2', d: 'sha256:new-reg/three', e: 'sha256:4' });
});

test('never with a missing image, and a failed pull, are errors naming image and services', async () => {
  const never = project('p', { a: service({ image: 'reg/gone', pull_policy: 'never' }) });
  await assert.rejects(pullForUp(never, fakeStore({}), { emit: () => undefined }),
    (e) => e instanceof TscError && e.code === 'IMAGE_NOT_FOUND' && /reg\/gone of service "a" is not in the local store/.test(e.message));
  const failing = project('p', { a: service({ image: 'reg/x' }), b: service({ image: 'reg/y' }) });
  const store = fakeStore({}, ['reg/x']);
  await assert.rejects(pullForUp(failing, store, { emit: () => undefined }),
    (e) => e instanceof TscError && e.code === 'PULL' && /Pulling reg\/x for service "a" failed: connection refused/.test(e.message));
  assert.ok(store.calls.includes('missing reg/y'), 'the other image was still pulled');
});

test('refresh policies: daily, weekly and every_<duration> pull again once the last pull is older than that', async () => {
  assert.equal(refreshIntervalMs('daily'), 86_400_000);
  assert.equal(refreshIntervalMs('weekly'), 7 * 86_400_000);
  assert.equal(refreshIntervalMs('every_1d12h'), 36 * 3_600_000);
  assert.equal(refreshIntervalMs('every_90s'), 90_000);
  assert.equal(refreshIntervalMs('missing'), undefined);
  assert.throws(() => refreshIntervalMs('every_soon', 'web'), /services\.web\.pull_policy: invalid refresh interval "every_soon"/);
  assert.throws(() => refreshIntervalMs('every_', 'web'), /invalid refresh interval/);
  const p = project('p', { a: service({ image: 'reg/a', pull_policy: 'every_1h' }), b: service({ image: 'reg/b', pull_policy: 'daily' }) });
  const now = Date.parse('2026-01-02T12:00:00Z');
  const store = {
    ...fakeStore({ 'reg/a': 'sha256:a', 'reg/b': 'sha256:b' }),
    refreshedAt: (ref: string) => new Date(ref === 'reg/a' ? '2026-01-02T10:00:00Z' : '2026-01-02T00:00:00Z'),
  };
  await pullForUp(p, store, { emit: () => undefined, now: () => now });
  // a was pulled 2 h ago (> 1 h): again; b 12 h ago (< 24 h): kept.
  assert.deepEqual(store.calls, ['always reg/a']);
});
