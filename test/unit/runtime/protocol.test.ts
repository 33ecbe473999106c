import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, LineSplitter, stepError } from '../../../executor/runtime/protocol.ts';
import { TscError } from '../../../schema/errors.ts';

test('each helper message kind decodes to its typed form', () => {
  assert.deepEqual(decodeMessage('pid 123'), { type: 'pid', pid: 123 });
  assert.deepEqual(decodeMessage('ready'), { type: 'ready' });
  assert.deepEqual(decodeMessage('created'), { type: 'created' });
  assert.deepEqual(decodeMessage('exit 0 0'), { type: 'exit', code: 0, signal: null });
  assert.deepEqual(decodeMessage('exit 137 9'), { type: 'exit', code: 137, signal: 9 });
});

test('an error message carries the step, the errno name and a path that may contain spaces', () => {
  assert.deepEqual(decodeMessage('error mount 2 /my data/x'), { type: 'error', step: 'mount', errno: 'ENOENT', path: '/my data/x' });
  assert.deepEqual(decodeMessage('error seccomp 22 '), { type: 'error', step: 'seccomp', errno: 'EINVAL', path: '' });
});

test('anything else is a protocol error', () => {
  for (const bad of ['', 'pid x', 'pid -1', 'ready now', 'exit 1', 'error mount ENOENT /x', 'hello']) {
    assert.throws(() => decodeMessage(bad), (e: unknown) => e instanceof TscError && e.code === 'HELPER_PROTOCOL', bad);
  }
});

test('lines split across chunks are joined', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('pid 1'), []);
  assert.deepEqual(s.push('2\nrea'), ['pid 12']);
  assert.deepEqual(s.push('dy\nexit 0 0\n'), ['ready', 'exit 0 0']);
});

test('step errors say step, object and errno, with a hint where one helps', () => {
  const e = stepError({ step: 'exec', errno: 'ENOENT', path: 'nginx' });
  assert.equal(e.message, 'exec nginx: ENOENT');
  assert.match(e.hint ?? '', /not found/);
  assert.equal(stepError({ step: 'hostname', errno: 'EPERM', path: '' }).message, 'hostname: EPERM');
});
