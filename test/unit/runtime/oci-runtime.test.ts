import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupResources } from '../../../executor/runtime/oci-runtime.ts';
import type { OciSpec } from '../../../executor/runtime/oci.ts';

const spec = (resources: unknown): OciSpec => ({ ociVersion: '1.0.2', root: { path: '/r' }, mounts: [], process: { user: { uid: 0, gid: 0 }, args: ['true'], env: [], cwd: '/' }, linux: { namespaces: [], resources: resources as OciSpec['linux']['resources'] } });

test('a bundle\'s memory, cpu and pids limits reach the cgroup driver', () => {
  assert.deepEqual(cgroupResources(spec({ memory: { limit: 1 << 26 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 50 } })), {
    memory: { limit: 1 << 26 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 50 },
  });
});

test('the bundle\'s leading deny-all device rule is dropped, other rules get explicit wildcards', () => {
  assert.deepEqual(cgroupResources(spec({ devices: [{ allow: false, access: 'rwm' }] })), {});
  assert.deepEqual(cgroupResources(spec({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, access: 'rw' }] })), {
    devices: [{ allow: true, type: 'c', major: 10, minor: -1, access: 'rw' }],
  });
});

test('no resources, empty blocks and a zero pids limit mean no limits', () => {
  assert.deepEqual(cgroupResources(spec(undefined)), {});
  assert.deepEqual(cgroupResources(spec({ memory: {}, cpu: {}, pids: { limit: 0 } })), {});
});
