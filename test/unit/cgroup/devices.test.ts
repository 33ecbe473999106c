import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BigIntStats } from 'node:fs';
import { deviceRulesOf, splitDev } from '../../../executor/cgroup/devices.ts';

const fakeStat = (kind: 'c' | 'b' | 'f', rdev: bigint) => () => ({
  isCharacterDevice: () => kind === 'c', isBlockDevice: () => kind === 'b', rdev,
}) as unknown as BigIntStats;

test('dev_t splits into major and minor, large numbers included', () => {
  assert.deepEqual(splitDev(0x0103n), { major: 1, minor: 3 });
  assert.deepEqual(splitDev(0x8800n | 0x05n), { major: 136, minor: 5 });
  // major 259 (blkext), minor 300: both spill into the high bits.
  const rdev = (259n & 0xfffn) << 8n | (300n & 0xffn) | ((300n & ~0xffn) << 12n);
  assert.deepEqual(splitDev(rdev), { major: 259, minor: 300 });
});

test('a mapped device becomes an allow rule with its permissions', () => {
  assert.deepEqual(deviceRulesOf([{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rw' }], 'web', fakeStat('c', 0x0a00n | 229n)),
    [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]);
  assert.equal(deviceRulesOf([{ source: '/dev/loop0', target: '/dev/loop0', permissions: '' }], 'web', fakeStat('b', 0x0700n))[0]?.access, 'rwm');
});

test('a mapping that is not a device, or has bad permissions, is an error naming the service', () => {
  assert.throws(() => deviceRulesOf([{ source: '/etc/passwd', target: '/x', permissions: 'rwm' }], 'web', fakeStat('f', 0n)), /"\/etc\/passwd" in devices of service "web" is not a device node/);
  assert.throws(() => deviceRulesOf([{ source: '/dev/null', target: '/x', permissions: 'rx' }], 'web', fakeStat('c', 0x103n)), /Invalid device permissions "rx"/);
  assert.throws(() => deviceRulesOf([{ source: '/dev/none-such', target: '/x', permissions: 'r' }], 'web'), /Device "\/dev\/none-such" of service "web" does not exist/);
});

test('the real /dev/null is c 1:3', (t) => {
  const [r] = deviceRulesOf([{ source: '/dev/null', target: '/dev/null', permissions: 'rwm' }], 'web');
  if (!r) return t.skip('no /dev/null');
  assert.deepEqual(r, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
});

test('block devices in blkio_config resolve to major:minor lines; anything else is an error', async () => {
  const { blockDeviceNumber, blockIOLines } = await import('../../../executor/cgroup/devices.ts');
  const sda = fakeStat('b', 0x0800n);
  assert.equal(blockDeviceNumber('/dev/sda', sda), '8:0');
  assert.throws(() => blockDeviceNumber('/dev/null', fakeStat('c', 0x103n)), /"\/dev\/null" in blkio_config is not a block device/);
  assert.deepEqual(blockIOLines({ weightDevice: [{ path: '/dev/sda', weight: 200 }], throttleReadBpsDevice: [{ path: '/dev/sda', rate: 1024 }], throttleWriteIOPSDevice: [{ path: '/dev/sda', rate: 9 }] }, sda),
    { weightDevice: ['8:0 200'], readBps: ['8:0 1024'], writeBps: [], readIops: [], writeIops: ['8:0 9'] });
});
