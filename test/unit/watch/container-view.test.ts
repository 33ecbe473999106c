import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerViewFromSpec } from '../../../executor/watch/container-view.ts';

test('the view comes from the OCI spec: merged root, numeric user, bind sources, mounts without a host dir', () => {
  const v = containerViewFromSpec('a'.repeat(64), '/r/containers/aaa', {
    root: { path: '/r/containers/aaa/merged' },
    process: { user: { uid: 1000, gid: 1001 } },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
      { destination: '/app/src', type: 'bind', source: '/home/dev/src', options: ['rbind', 'rw'] },
      { destination: '/data', source: '/r/volumes/p_data/_data', options: ['bind', 'ro'] },
      { destination: '/etc/hosts', type: 'bind', source: '/r/containers/aaa/init/etc/hosts', options: ['bind'] },
    ],
  }, 777);
  assert.equal(v.rootDir, '/r/containers/aaa/merged');
  assert.deepEqual([v.uid, v.gid, v.pid], [1000, 1001, 777]);
  assert.deepEqual(v.mounts, [
    { source: '/home/dev/src', target: '/app/src', readOnly: false },
    { source: '/r/volumes/p_data/_data', target: '/data', readOnly: true },
    { source: '/r/containers/aaa/init/etc/hosts', target: '/etc/hosts', readOnly: false },
  ]);
  assert.deepEqual(v.unreachable, ['/proc', '/dev']);
});

test('a spec without root path or user falls back to <dir>/merged and root ownership', () => {
  const v = containerViewFromSpec('b'.repeat(64), '/r/containers/bbb', {});
  assert.deepEqual([v.rootDir, v.uid, v.gid, v.pid], ['/r/containers/bbb/merged', 0, 0, undefined]);
});
