import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget, ReadOnlyTargetError, UnreachableTargetError } from '../../../executor/watch/target-resolution.ts';

const root = '/var/lib/tscompose/containers/abc/merged';

test('a path under no mount goes into the overlay merged view', () => {
  assert.deepEqual(resolveTarget(root, [], '/app/src/x.js'), { root, rel: 'app/src/x.js', mount: undefined });
});

test('a path under a bind mount is written to the mount source, not the shadowed overlay', () => {
  const m = { source: '/home/dev/proj/data', target: '/app/data', readOnly: false };
  assert.deepEqual(resolveTarget(root, [m], '/app/data/seed/x.json'), { root: '/home/dev/proj/data', rel: 'seed/x.json', mount: m });
  assert.deepEqual(resolveTarget(root, [m], '/app/data'), { root: '/home/dev/proj/data', rel: '', mount: m });
});

test('a mount target that is only a name prefix does not capture the path', () => {
  const m = { source: '/vol', target: '/app/data', readOnly: false };
  assert.equal(resolveTarget(root, [m], '/app/database/x').root, root);
});

test('the innermost of nested mounts wins', () => {
  const outer = { source: '/v/outer', target: '/app', readOnly: false };
  const inner = { source: '/v/inner', target: '/app/cache', readOnly: false };
  assert.deepEqual(resolveTarget(root, [inner, outer], '/app/cache/a'), { root: '/v/inner', rel: 'a', mount: inner });
  assert.deepEqual(resolveTarget(root, [inner, outer], '/app/src/a'), { root: '/v/outer', rel: 'src/a', mount: outer });
});

test('of two mounts on one target the later (top) one wins', () => {
  const a = { source: '/v/a', target: '/data', readOnly: false };
  const b = { source: '/v/b', target: '/data/', readOnly: false };
  assert.equal(resolveTarget(root, [a, b], '/data/x').root, '/v/b');
});

test('container paths are normalised before matching', () => {
  const m = { source: '/v', target: '/app/data', readOnly: false };
  assert.deepEqual(resolveTarget(root, [m], '/app/src/../data//x'), { root: '/v', rel: 'x', mount: m });
});

test('a path on a read-only mount is refused with the mount named', () => {
  const m = { source: '/etc/ssl/certs', target: '/certs', readOnly: true };
  assert.throws(() => resolveTarget(root, [m], '/certs/ca.pem'),
    (e) => e instanceof ReadOnlyTargetError && /read-only mount \/certs \(\/etc\/ssl\/certs\)/.test(e.message));
});

test('a path on a tmpfs goes through the running container\'s /proc/<pid>/root', () => {
  const m = { source: '/v', target: '/app', readOnly: false };
  assert.deepEqual(resolveTarget(root, [m], '/app/cache/x', { unreachable: ['/app/cache'], pid: 4242 }),
    { root: '/proc/4242/root', rel: 'app/cache/x', mount: undefined });
  // A bind mount deeper than the tmpfs wins again.
  const deeper = { source: '/v2', target: '/app/cache/keep', readOnly: false };
  assert.equal(resolveTarget(root, [m, deeper], '/app/cache/keep/y', { unreachable: ['/app/cache'], pid: 4242 }).root, '/v2');
});

test('a path on a tmpfs of a container that is not running is refused', () => {
  assert.throws(() => resolveTarget(root, [], '/run/app.sock', { unreachable: ['/run'] }),
    (e) => e instanceof UnreachableTargetError && /\/run is a mount with no host directory/.test(e.message));
});
