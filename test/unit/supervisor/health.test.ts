import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProbe, healthConfigOf, initialHealth, nextProbeDelay, probeArgv, type HealthConfig } from '../../../executor/supervisor/health.ts';
import { service } from './fakes.ts';

const cfg: HealthConfig = { argv: ['true'], intervalMs: 1000, timeoutMs: 500, retries: 2, startPeriodMs: 3000, startIntervalMs: 200 };
const r = (exitCode: number) => ({ start: 's', end: 'e', exitCode, output: `o${exitCode}` });

test('CMD runs as is, CMD-SHELL through /bin/sh -c, NONE and disable mean no healthcheck', () => {
  assert.deepEqual(probeArgv(['CMD', 'wget', '-q', 'x']), ['wget', '-q', 'x']);
  assert.deepEqual(probeArgv(['CMD-SHELL', 'test -f /ok']), ['/bin/sh', '-c', 'test -f /ok']);
  assert.equal(healthConfigOf(service({ healthcheck: { test: ['NONE'] } })), undefined);
  assert.equal(healthConfigOf(service({ healthcheck: { test: ['CMD', 'x'], disable: true } })), undefined);
});

test('defaults are docker\'s, and the image HEALTHCHECK (nanoseconds) applies when the service has none', () => {
  const d = healthConfigOf(service({ healthcheck: { test: ['CMD', 'x'] } }))!;
  assert.deepEqual([d.intervalMs, d.timeoutMs, d.retries, d.startPeriodMs, d.startIntervalMs], [30000, 30000, 3, 0, 5000]);
  const img = healthConfigOf(service(), { ref: 'i', id: 'i', layerDirs: [], config: { Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 2e9 } } })!;
  assert.equal(img.intervalMs, 2000);
});

test('failures inside start_period do not count, and probes run every start_interval there', () => {
  let h = initialHealth();
  assert.equal(nextProbeDelay(cfg, h, 0), 200);
  h = applyProbe(cfg, h, r(1), 500);
  h = applyProbe(cfg, h, r(1), 700);
  h = applyProbe(cfg, h, r(1), 900);
  assert.deepEqual([h.status, h.failingStreak], ['starting', 0]);
  assert.equal(nextProbeDelay(cfg, h, 3500), 1000);
});

test('one success makes it healthy even during start_period', () => {
  const h = applyProbe(cfg, initialHealth(), r(0), 100);
  assert.equal(h.status, 'healthy');
});

test('retries consecutive failures after start_period make it unhealthy; a success resets the streak', () => {
  let h = applyProbe(cfg, initialHealth(), r(0), 100);
  h = applyProbe(cfg, h, r(1), 4000);
  assert.deepEqual([h.status, h.failingStreak], ['healthy', 1]);
  h = applyProbe(cfg, h, r(0), 5000);
  assert.equal(h.failingStreak, 0);
  h = applyProbe(cfg, h, r(1), 6000);
  h = applyProbe(cfg, h, r(1), 7000);
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 2]);
  assert.equal(h.log.length, 5);
});
