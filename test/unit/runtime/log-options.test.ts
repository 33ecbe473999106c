import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logOptions } from '../../../executor/runtime/log-options.ts';
import type { Service } from '../../../schema/model.ts';

const svc = (logging?: Service['logging']): Service => ({ environment: {}, labels: {}, depends_on: {}, ...(logging ? { logging } : {}) });

test('max-size takes docker\'s units and max-file counts the files', () => {
  assert.deepEqual(logOptions(svc({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } })), { logMaxSize: 10 * 1024 * 1024, logMaxFiles: 3 });
  assert.deepEqual(logOptions(svc({ options: { 'max-size': '500k' } })), { logMaxSize: 500 * 1024 });
  assert.deepEqual(logOptions(svc({ options: { 'max-size': '1g' } })), { logMaxSize: 1024 ** 3 });
  assert.deepEqual(logOptions(svc({ options: { 'max-size': '2048' } })), { logMaxSize: 2048 });
});

test('no logging options mean one file that never rotates', () => {
  assert.deepEqual(logOptions(svc()), {});
  assert.deepEqual(logOptions(svc({ options: { 'max-size': '-1' } })), {});
});

test('bad values and other drivers are clear errors', () => {
  assert.throws(() => logOptions(svc({ options: { 'max-size': '10x' } }), 'web'), /Service "web": invalid logging max-size "10x"/);
  assert.throws(() => logOptions(svc({ options: { 'max-file': '0' } })), /invalid logging max-file "0"/);
  assert.throws(() => logOptions(svc({ driver: 'syslog' }), 'web'), /logging driver "syslog" is not supported/);
});
