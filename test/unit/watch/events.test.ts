import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEvent } from '../../../executor/watch/events.ts';

test('sync lines name the service, the count and the time', () => {
  assert.equal(formatEvent({ type: 'synced', service: 'web', files: 3, deleted: 0, containers: 1, ms: 12.4 }), 'web: synced 3 files (12 ms)');
  assert.equal(formatEvent({ type: 'synced', service: 'web', files: 1, deleted: 0, containers: 1, ms: 2, sample: '/app/a.js' }), 'web: synced /app/a.js (2 ms)');
  assert.equal(formatEvent({ type: 'synced', service: 'web', files: 2, deleted: 1, containers: 3, ms: 7 }), 'web: synced 2 files, deleted 1 path to 3 containers (7 ms)');
  assert.equal(formatEvent({ type: 'synced', service: 'web', files: 0, deleted: 2, containers: 1, ms: 1 }), 'web: deleted 2 paths (1 ms)');
  assert.equal(formatEvent({ type: 'synced', service: 'web', files: 4, deleted: 0, containers: 1, ms: 30, initial: true }), 'web: initial sync: synced 4 files (30 ms)');
});

test('restart, exec, reload and error lines', () => {
  assert.equal(formatEvent({ type: 'restarted', service: 'api', ms: 140.2 }), 'api: restarted (140 ms)');
  assert.equal(formatEvent({ type: 'exec', service: 'web', container: 'abcdef0123456789', command: ['kill', '-HUP', '1'], code: 0, ms: 5 }),
    'web: exec kill -HUP 1 in abcdef012345 → exit 0 (5 ms)');
  assert.equal(formatEvent({ type: 'reloaded', ms: 80 }), 'stack file: reloaded (80 ms)');
  assert.equal(formatEvent({ type: 'error', service: 'web', message: 'boom' }), 'web: boom');
});
