import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVolumesFrom, volumesFromMounts } from '../../../executor/runtime/volumes-from.ts';

test('volumes_from entries name a service or a container, rw unless :ro', () => {
  assert.deepEqual(parseVolumesFrom('db'), { kind: 'service', name: 'db', readOnly: false });
  assert.deepEqual(parseVolumesFrom('db:ro'), { kind: 'service', name: 'db', readOnly: true });
  assert.deepEqual(parseVolumesFrom('container:web-1'), { kind: 'container', name: 'web-1', readOnly: false });
  assert.deepEqual(parseVolumesFrom('container:web-1:rw'), { kind: 'container', name: 'web-1', readOnly: false });
  assert.throws(() => parseVolumesFrom('db:wx'), /Invalid volumes_from mode "wx"/);
  assert.throws(() => parseVolumesFrom('container:'), /names no service/);
});

test('the other container\'s binds and volumes are taken, not its tmpfs or init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tscompose-vf-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/data', type: 'bind', source: '/v/data', options: ['rbind', 'rw'] },
      { destination: '/t', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static' },
    ] }));
    assert.deepEqual(volumesFromMounts(dir).map((m) => m.destination), ['/data']);
    assert.throws(() => volumesFromMounts(join(dir, 'nope')), /Cannot read the mounts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
