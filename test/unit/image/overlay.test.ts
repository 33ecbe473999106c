import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayData, chooseStrategy, MOUNT_DATA_MAX } from '../../../executor/rootfs/overlay.ts';
import { mountPoints, unescapeMountPath } from '../../../executor/rootfs/mountinfo.ts';
import { SysError } from '../../../schema/errors.ts';

const spec = (n: number) => ({
  lowers: Array.from({ length: n }, (_, i) => `/var/lib/tscompose/images/layers/${i.toString(16).padStart(64, '0')}`),
  upper: '/c/upper', work: '/c/work', target: '/c/merged',
});

test('overlay options list lower dirs top first, then upper and work', () => {
  assert.equal(overlayData({ lowers: ['/a', '/b'], upper: '/u', work: '/w' }), 'lowerdir=/a:/b,upperdir=/u,workdir=/w');
});

test('paths with overlay separators are refused rather than mis-parsed', () => {
  assert.throws(() => overlayData({ lowers: ['/a:b'], upper: '/u', work: '/w' }), SysError);
  assert.throws(() => overlayData({ lowers: ['/a'], upper: '/u,x', work: '/w' }), SysError);
});

test('a few layers use one mount(2); a long list uses fsconfig, or the chdir way without it', () => {
  assert.equal(chooseStrategy(spec(3), true), 'mount2');
  assert.ok(overlayData(spec(120)).length > MOUNT_DATA_MAX);
  assert.equal(chooseStrategy(spec(120), true), 'fsconfig');
  assert.equal(chooseStrategy(spec(120), false), 'chdir');
});

test('mount points are read from mountinfo with octal escapes decoded', () => {
  const text = '36 35 98:0 / /mnt/with\\040space rw - ext4 /dev/x rw\n37 35 98:0 / /plain rw - ext4 /dev/x rw\n';
  assert.deepEqual(mountPoints(text), ['/mnt/with space', '/plain']);
  assert.equal(unescapeMountPath('a\\011b\\134c'), 'a\tb\\c');
});
