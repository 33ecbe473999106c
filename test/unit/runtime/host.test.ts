import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devNumbers, hostDevices, parseLimits } from '../../../executor/runtime/host.ts';

test('hard limits are read from /proc/self/limits text; unlimited ones are left out', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    'Max processes             95584                95584                processes ',
    'Max open files            1024                 20000                files     ',
  ].join('\n');
  assert.deepEqual(parseLimits(text), { nproc: 95584, nofile: 20000 });
});

test('dev_t splits into major and minor as glibc does', () => {
  assert.deepEqual(devNumbers(0x103), { major: 1, minor: 3 });
  assert.deepEqual(devNumbers((10 << 8) | 229), { major: 10, minor: 229 });
  // large minors use the high bits
  assert.deepEqual(devNumbers((259 << 8) | 0x12 | (0x345 << 20)), { major: 259, minor: 0x34512 });
});

test('host devices are listed with their numbers, without pts, console or tty', () => {
  const devs = hostDevices();
  const nul = devs.find((d) => d.path === '/dev/null');
  assert.deepEqual(nul, { path: '/dev/null', type: 'c', major: 1, minor: 3 });
  assert.ok(!devs.some((d) => d.path.startsWith('/dev/pts') || d.path === '/dev/console' || d.path === '/dev/tty'));
});
