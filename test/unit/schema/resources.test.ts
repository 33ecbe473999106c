import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet } from './stack.ts';
import { renderConfig } from '../../../schema/config-output.ts';
import { parseBytes } from '../../../schema/units.ts';

test('sizes become bytes, cpus a number, ulimits soft/hard', () => {
  const p = loadSnippet(`
services:
  w:
    image: x
    mem_limit: 512m
    memswap_limit: 1g
    mem_reservation: "1048576"
    shm_size: 64MB
    cpus: "1.5"
    pids_limit: 100
    ulimits:
      nofile: {soft: 1024, hard: 4096}
      nproc: 65535
`);
  const w = p.services.w!;
  assert.equal(w.mem_limit, 512 * 1024 ** 2);
  assert.equal(w.memswap_limit, 1024 ** 3);
  assert.equal(w.mem_reservation, 1048576);
  assert.equal(w.shm_size, 64 * 1024 ** 2);
  assert.equal(w.cpus, 1.5);
  assert.equal(w.pids_limit, 100);
  assert.deepEqual(w.ulimits, { nofile: { soft: 1024, hard: 4096 }, nproc: { soft: 65535, hard: 65535 } });
});

test('deploy resources, restart policy and replicas are normalized', () => {
  const p = loadSnippet(`
services:
  w:
    image: x
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.50", memory: 256M, pids: 50}
        reservations: {memory: 128m}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
`);
  assert.deepEqual(p.services.w!.deploy, {
    replicas: 2,
    resources: { limits: { cpus: 0.5, memory: 256 * 1024 ** 2, pids: 50 }, reservations: { memory: 128 * 1024 ** 2 } },
    restart_policy: { condition: 'on-failure', delay: 5000, max_attempts: 3, window: 120_000 },
  });
});

test('blkio rates are sizes', () => {
  const p = loadSnippet(`
services:
  w:
    image: x
    blkio_config:
      weight: 300
      device_read_bps: [{path: /dev/sda, rate: 12mb}]
`);
  assert.deepEqual(p.services.w!.blkio_config, { weight: 300, device_read_bps: [{ path: '/dev/sda', rate: 12 * 1024 ** 2 }] });
});

test('config prints sizes as byte strings and a single ulimit as one number', () => {
  const out = renderConfig(loadSnippet('services:\n  w:\n    image: x\n    mem_limit: 1k\n    ulimits: {nofile: 10, core: {soft: 0, hard: 5}}\n'));
  assert.match(out, /mem_limit: "1024"/);
  assert.match(out, /nofile: 10/);
  assert.match(out, /core:\n\s+soft: 0\n\s+hard: 5/);
});

test('bad sizes and numbers are errors', () => {
  assert.throws(() => loadSnippet('services:\n  w: {image: x, mem_limit: lots}\n'), /invalid size "lots"/);
  assert.throws(() => loadSnippet('services:\n  w: {image: x, cpus: many}\n'), /must be a number/);
  assert.equal(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('-1'), -1);
});
