import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseStartTime, realProc, isAlive } from '../../../executor/state/proc.ts';

test('the start time is field 22 even when the command name holds spaces and parentheses', () => {
  const stat = '4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100';
  assert.equal(parseStartTime(stat), 987654);
});

test('our own process is alive with its own start time and not alive with another one', () => {
  const st = realProc.startTime(process.pid);
  assert.ok(st !== undefined && st > 0);
  assert.equal(isAlive(realProc, process.pid, st), true);
  assert.equal(isAlive(realProc, process.pid, st + 1), false);
});

test('a process that exited is not alive', async () => {
  const child = spawn('true');
  const pid = child.pid!;
  await once(child, 'exit');
  assert.equal(isAlive(realProc, pid, undefined), false);
});
