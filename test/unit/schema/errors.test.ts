import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StackFileError, ContainerError, SysError, errorChain } from '../../../schema/errors.ts';

test('a stack file error names file, line, column, key path and hint', () => {
  const e = StackFileError.one({
    message: 'additional property "enviroment" is not allowed',
    keyPath: 'services.web',
    origin: { file: 'compose.yaml', line: 4, col: 5 },
    hint: 'did you mean "environment"?',
  });
  assert.equal(e.message, 'compose.yaml:4:5: services.web: additional property "enviroment" is not allowed (did you mean "environment"?)');
  assert.equal(e.exitCode, 15);
});

test('container errors read outside-in and keep the cause chain', () => {
  const e = new ContainerError('web-1', 'start', new SysError('mount', 'EBUSY', '/data'));
  assert.equal(e.message, 'start web-1: mount /data: EBUSY');
  assert.deepEqual(errorChain(e), ['ContainerError: start web-1: mount /data: EBUSY', 'SysError: mount /data: EBUSY']);
});
