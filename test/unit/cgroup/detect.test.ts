import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../../helpers/env.ts';
import { detectLayout, hierarchiesFromMountinfo, hierarchiesFromTree } from '../../../executor/cgroup/detect.ts';
import { detectCgroupDriver } from '../../../executor/cgroup/driver.ts';

const env = testEnv('cgdetect');
after(() => env.cleanup());

// This machine's layout (FACTS.md): a tmpfs with one v1 hierarchy per controller and an empty unified.
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const V2 = `25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V1_COMBINED = `24 20 0:21 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 24 0:23 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:7 - cgroup cgroup rw,cpu,cpuacct
27 24 0:24 / /sys/fs/cgroup/pids rw,nosuid shared:8 - cgroup cgroup rw,pids
30 24 0:27 / /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,freezer
`;

test('a tmpfs of v1 hierarchies plus an unified cgroup2 reads as hybrid, with named hierarchies kept', () => {
  const l = detectLayout('/sys/fs/cgroup', HYBRID);
  assert.equal(l.mode, 'hybrid');
  assert.deepEqual(l.hierarchies.map((h) => h.key), ['cpu', 'cpuacct', 'memory', 'name=systemd', 'unified']);
  assert.equal(l.fake, false);
});

test('a cgroup2 mount at the root reads as v2', () => {
  const l = detectLayout('/sys/fs/cgroup', V2);
  assert.equal(l.mode, 'v2');
  assert.deepEqual(l.hierarchies, [{ key: 'unified', path: '/sys/fs/cgroup', version: 2, controllers: [] }]);
});

test('combined v1 controllers form one hierarchy and escaped mount points are decoded', () => {
  const hs = hierarchiesFromMountinfo(V1_COMBINED, '/sys/fs/cgroup');
  assert.deepEqual(hs.map((h) => [h.key, h.path]), [['cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct'], ['pids', '/sys/fs/cgroup/pids'], ['freezer', '/sys/fs/cgroup/my dir']]);
  assert.equal(detectLayout('/sys/fs/cgroup', V1_COMBINED).mode, 'v1');
});

test('mounts outside the root or nested deeper are not hierarchies of that root', () => {
  assert.deepEqual(hierarchiesFromMountinfo(HYBRID, '/elsewhere'), []);
  assert.deepEqual(hierarchiesFromMountinfo('50 41 0:40 / /sys/fs/cgroup/unified/x rw - cgroup2 cgroup2 rw\n', '/sys/fs/cgroup'), []);
});

test('a fake tree is read from its directories: cgroup.procs marks v1, cgroup.controllers marks v2', () => {
  const root = join(env.dir, 'hy');
  for (const d of ['cpu,cpuacct', 'memory', 'systemd']) {
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, 'cgroup.procs'), '');
  }
  mkdirSync(join(root, 'unified'));
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), '');
  mkdirSync(join(root, 'not-a-hierarchy'));
  assert.deepEqual(hierarchiesFromTree(root).map((h) => [h.key, h.version]), [['cpu,cpuacct', 1], ['memory', 1], ['name=systemd', 1], ['unified', 2]]);
  const d = detectCgroupDriver(root, { fresh: true });
  assert.equal(d.mode, 'hybrid');

  const v2 = join(env.dir, 'v2');
  mkdirSync(v2);
  writeFileSync(join(v2, 'cgroup.controllers'), 'cpu memory pids');
  assert.equal(detectCgroupDriver(v2, { fresh: true }).mode, 'v2');
});

test('the driver for a root is detected once and reused', () => {
  const root = join(env.dir, 'once');
  mkdirSync(join(root, 'pids'), { recursive: true });
  writeFileSync(join(root, 'pids', 'cgroup.procs'), '');
  const a = detectCgroupDriver(root);
  assert.equal(a.mode, 'v1');
  assert.equal(detectCgroupDriver(root), a);
});

test('this host is detected as FACTS.md describes it (hybrid) when it has the mounts', (t) => {
  const l = detectLayout('/sys/fs/cgroup');
  if (l.fake) return t.skip('no cgroup mounts under /sys/fs/cgroup on this machine');
  assert.ok(['v1', 'hybrid', 'v2'].includes(l.mode));
  if (l.hierarchies.some((h) => h.version === 1)) assert.ok(l.hierarchies.some((h) => h.controllers.includes('memory')));
});
