import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observe } from '../../../executor/state/observe.ts';
import { emptyState, type ContainerRecord } from '../../../executor/state/journal.ts';
import type { ProcReader } from '../../../executor/state/proc.ts';

function rec(id: string, service: string, patch: Partial<ContainerRecord> = {}): ContainerRecord {
  return { id, name: `p-${service}-1`, service, number: 1, configHash: `h-${service}`, image: 'busybox', createdAt: 'now',
    steps: ['dir', 'rootfs', 'cgroup', 'netns', 'attach', 'launch'], networks: [], desired: 'running', restartCount: 0, ...patch };
}

const proc: ProcReader = { startTime: (pid) => (pid === 100 ? 5000 : pid === 200 ? 7000 : undefined) };

test('observe tells created, running, paused, exited and dead apart from the journal, /proc and exit.json', () => {
  const s = emptyState('p');
  s.containers.a = rec('a', 'a', { steps: ['dir', 'rootfs'] });
  s.containers.b = rec('b', 'b', { pid: 100, pidStart: 5000 });
  s.containers.c = rec('c', 'c', { pid: 200, pidStart: 7000, desired: 'paused' });
  s.containers.d = rec('d', 'd', { pid: 300, pidStart: 1 });
  s.containers.e = rec('e', 'e', { pid: 100, pidStart: 4999 }); // pid reused by another process
  const o = observe(s, { proc, readExit: (c) => (c.id === 'd' ? { code: 3, signal: null } : undefined) });
  assert.deepEqual(o.containers.map((c) => [c.service, c.status]), [
    ['a', 'created'], ['b', 'running'], ['c', 'paused'], ['d', 'exited'], ['e', 'dead'],
  ]);
  assert.equal(o.containers[1]?.configHash, 'h-b');
});
