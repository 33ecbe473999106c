import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourcesOf } from '../../../executor/cgroup/resources.ts';
import { sharesToWeight, weightToShares } from '../../../executor/cgroup/weight.ts';
import { StackFileError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';

const svc = (extra: Partial<Service> & Record<string, unknown>): Service =>
  ({ environment: {}, labels: {}, depends_on: {}, ...extra }) as Service;
const MB = 1024 * 1024;

test('a service without limits gets no resources at all', () => {
  assert.deepEqual(resourcesOf(svc({}), 'web'), {});
});

test('cpus becomes a CFS quota over docker\'s 100 ms period', () => {
  assert.deepEqual(resourcesOf(svc({ cpus: 0.5 }), 'web').cpu, { period: 100000, quota: 50000 });
  assert.deepEqual(resourcesOf(svc({ cpus: 1.5 }), 'web').cpu, { period: 100000, quota: 150000 });
});

test('deploy.resources.limits.cpus is applied like cpus', () => {
  assert.deepEqual(resourcesOf(svc({ deploy: { resources: { limits: { cpus: 2 } } } }), 'web').cpu, { period: 100000, quota: 200000 });
});

test('cpus and deploy limits that differ are an error naming the service and both keys', () => {
  assert.throws(() => resourcesOf(svc({ cpus: 0.5, deploy: { resources: { limits: { cpus: 1 } } } }), 'web'), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.match(e.message, /services\.web\.cpus: cpus \(0\.5\) and deploy\.resources\.limits\.cpus \(1\) differ/);
    return true;
  });
});

test('equal cpus and deploy limits are accepted', () => {
  assert.equal(resourcesOf(svc({ cpus: 1, deploy: { resources: { limits: { cpus: 1 } } } }), 'web').cpu?.quota, 100000);
});

test('the error points at the stack file position when origins are given', () => {
  const origins = new Map([['services.db.mem_limit', { file: '/p/compose.yaml', line: 7, col: 16 }]]);
  assert.throws(() => resourcesOf(svc({ mem_limit: 64 * MB, deploy: { resources: { limits: { memory: 128 * MB } } } }), 'db', origins),
    /\/p\/compose\.yaml:7:16: services\.db\.mem_limit/);
});

test('cpu_quota and cpu_period are taken verbatim', () => {
  assert.deepEqual(resourcesOf(svc({ cpu_quota: 25000, cpu_period: 50000 }), 'web').cpu, { quota: 25000, period: 50000 });
});

test('cpus together with cpu_quota is refused as docker does', () => {
  assert.throws(() => resourcesOf(svc({ cpus: 1, cpu_quota: 50000 }), 'web'), /cannot be combined with cpu_quota/);
});

test('cpu_shares keeps its value and carries the matching v2 weight', () => {
  assert.deepEqual(resourcesOf(svc({ cpu_shares: 1024 }), 'web').cpu, { shares: 1024, weight: 100 });
  assert.deepEqual(resourcesOf(svc({ cpu_shares: 512 }), 'web').cpu, { shares: 512, weight: sharesToWeight(512) });
});

test('cpu_weight maps back to shares for v1 hosts', () => {
  assert.deepEqual(resourcesOf(svc({ cpu_weight: 100 }), 'web').cpu, { shares: 1024, weight: 100 });
  assert.throws(() => resourcesOf(svc({ cpu_weight: 0 }), 'web'), /cpu_weight must be an integer between 1 and 10000/);
  assert.throws(() => resourcesOf(svc({ cpu_weight: 10, cpu_shares: 10 }), 'web'), /cpu_shares and cpu_weight both set/);
});

test('shares and weight map onto each other at the three anchors and monotonically between', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 100);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(weightToShares(1), 2);
  assert.equal(weightToShares(100), 1024);
  assert.equal(weightToShares(10000), 262144);
  let prev = 0;
  for (let s = 2; s <= 262144; s *= 2) {
    const w = sharesToWeight(s);
    assert.ok(w > prev, `weight grows with shares at ${s}`);
    prev = w;
  }
  // weight → shares → weight is the identity, so a v2 user's cpu_weight survives a v1 detour.
  for (let w = 1; w <= 10000; w += 37) assert.equal(sharesToWeight(weightToShares(w)), w, `round trip of weight ${w}`);
});

test('a CPU reservation becomes a proportional share when no shares are set', () => {
  assert.deepEqual(resourcesOf(svc({ deploy: { resources: { reservations: { cpus: 0.5 } } } }), 'web').cpu, { shares: 512, weight: sharesToWeight(512) });
});

test('cpuset is validated as a CPU list', () => {
  assert.equal(resourcesOf(svc({ cpuset: '0-1, 3' }), 'web').cpu?.cpus, '0-1,3');
  assert.throws(() => resourcesOf(svc({ cpuset: 'all' }), 'web'), /cpuset "all" is not a CPU list/);
});

test('mem_limit sets the limit and, as docker does, the same amount of swap', () => {
  assert.deepEqual(resourcesOf(svc({ mem_limit: 64 * MB }), 'web').memory, { limit: 64 * MB, swap: 128 * MB });
  assert.deepEqual(resourcesOf(svc({ deploy: { resources: { limits: { memory: 64 * MB } } } }), 'web').memory, { limit: 64 * MB, swap: 128 * MB });
});

test('memswap_limit is memory plus swap, -1 is unlimited, and it needs a memory limit', () => {
  assert.deepEqual(resourcesOf(svc({ mem_limit: 64 * MB, memswap_limit: 64 * MB }), 'web').memory, { limit: 64 * MB, swap: 64 * MB });
  assert.deepEqual(resourcesOf(svc({ mem_limit: 64 * MB, memswap_limit: -1 }), 'web').memory, { limit: 64 * MB, swap: -1 });
  assert.throws(() => resourcesOf(svc({ memswap_limit: 64 * MB }), 'web'), /memswap_limit needs a memory limit/);
  assert.throws(() => resourcesOf(svc({ mem_limit: 64 * MB, memswap_limit: 32 * MB }), 'web'), /must not be below the memory limit/);
});

test('memory below 6 MB is refused', () => {
  assert.throws(() => resourcesOf(svc({ mem_limit: 1 * MB }), 'web'), /below the minimum of 6 MB/);
});

test('mem_reservation and reservations.memory become the reservation and must agree', () => {
  assert.equal(resourcesOf(svc({ mem_reservation: 32 * MB }), 'web').memory?.reservation, 32 * MB);
  assert.equal(resourcesOf(svc({ deploy: { resources: { reservations: { memory: 32 * MB } } } }), 'web').memory?.reservation, 32 * MB);
  assert.throws(() => resourcesOf(svc({ mem_reservation: 16 * MB, deploy: { resources: { reservations: { memory: 32 * MB } } } }), 'web'), /differ/);
  assert.throws(() => resourcesOf(svc({ mem_limit: 16 * MB, mem_reservation: 32 * MB }), 'web'), /above the memory limit/);
});

test('pids_limit and limits.pids set the pids limit; 0 and -1 mean unlimited', () => {
  assert.deepEqual(resourcesOf(svc({ pids_limit: 50 }), 'web').pids, { limit: 50 });
  assert.deepEqual(resourcesOf(svc({ deploy: { resources: { limits: { pids: 50 } } } }), 'web').pids, { limit: 50 });
  assert.deepEqual(resourcesOf(svc({ pids_limit: -1 }), 'web').pids, { limit: -1 });
  assert.deepEqual(resourcesOf(svc({ pids_limit: 0 }), 'web').pids, { limit: -1 });
  assert.throws(() => resourcesOf(svc({ pids_limit: 50, deploy: { resources: { limits: { pids: 60 } } } }), 'web'), /pids_limit \(50\) and deploy\.resources\.limits\.pids \(60\) differ/);
});

test('blkio weight is range-checked; per-device weights and throttles are carried by device path', () => {
  assert.deepEqual(resourcesOf(svc({ blkio_config: { weight: 300 } }), 'web').blockIO, { weight: 300 });
  assert.throws(() => resourcesOf(svc({ blkio_config: { weight: 5 } }), 'web'), /between 10 and 1000/);
  assert.deepEqual(resourcesOf(svc({ blkio_config: {
    weight_device: [{ path: '/dev/sda', weight: 200 }],
    device_read_bps: [{ path: '/dev/sda', rate: 1048576 }], device_write_iops: [{ path: '/dev/sdb', rate: 100 }],
  } }), 'web').blockIO, {
    weightDevice: [{ path: '/dev/sda', weight: 200 }],
    throttleReadBpsDevice: [{ path: '/dev/sda', rate: 1048576 }], throttleWriteIOPSDevice: [{ path: '/dev/sdb', rate: 100 }],
  });
  assert.throws(() => resourcesOf(svc({ blkio_config: { device_read_bps: [{ path: '/dev/sda', rate: 0 }] } }), 'web'),
    /services\.web\.blkio_config\.device_read_bps\[0\]: rate for "\/dev\/sda" must be a positive integer/);
  assert.throws(() => resourcesOf(svc({ blkio_config: { weight_device: [{ path: '/dev/sda', weight: 2000 }] } }), 'web'), /weight for "\/dev\/sda" must be between 10 and 1000/);
});

test('every problem of a service is reported at once', () => {
  assert.throws(() => resourcesOf(svc({ cpuset: 'x', pids_limit: 1, deploy: { resources: { limits: { pids: 2 } } }, cpu_weight: 0 }), 'api'), (e: unknown) => {
    assert.ok(e instanceof StackFileError);
    assert.equal(e.problems.length, 3);
    return true;
  });
});

test('privileged allows every device; swappiness and oom_kill_disable pass through', () => {
  const r = resourcesOf(svc({ privileged: true, mem_swappiness: 10, oom_kill_disable: true }), 'web');
  assert.equal(r.allDevices, true);
  assert.deepEqual(r.memory, { swappiness: 10, disableOOMKiller: true });
});
