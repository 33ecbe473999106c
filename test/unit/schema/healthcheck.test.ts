import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet } from './stack.ts';
import { renderConfig } from '../../../schema/config-output.ts';
import { formatDuration, parseDuration } from '../../../schema/units.ts';

test('healthcheck durations become milliseconds and a string test becomes CMD-SHELL', () => {
  const p = loadSnippet(`
services:
  db:
    image: postgres
    stop_grace_period: 1m30s
    healthcheck:
      test: pg_isready -U app
      interval: 10s
      timeout: 500ms
      retries: "5"
      start_period: 1h
      start_interval: 2s
`);
  assert.deepEqual(p.services.db!.healthcheck, {
    test: ['CMD-SHELL', 'pg_isready -U app'], interval: 10_000, timeout: 500, retries: 5, start_period: 3_600_000, start_interval: 2000,
  });
  assert.equal(p.services.db!.stop_grace_period, 90_000);
});

test('config prints durations back the way compose does', () => {
  const p = loadSnippet('services:\n  db:\n    image: x\n    stop_grace_period: 90s\n    healthcheck: {test: [CMD, "true"], interval: 1h, timeout: 1500ms}\n');
  const out = renderConfig(p);
  assert.match(out, /stop_grace_period: 1m30s/);
  assert.match(out, /interval: 1h0m0s/);
  assert.match(out, /timeout: 1.5s/);
});

test('Go duration strings parse and format symmetrically', () => {
  for (const [s, ms] of [['30s', 30_000], ['1m30s', 90_000], ['500ms', 500], ['1h0m0s', 3_600_000], ['1.5s', 1500], ['0s', 0]] as const) {
    assert.equal(parseDuration(s), ms, s);
    assert.equal(formatDuration(ms), s);
  }
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration('abc'), undefined);
});

test('healthcheck disable and NONE are kept', () => {
  const p = loadSnippet('services:\n  a:\n    image: x\n    healthcheck: {disable: true}\n  b:\n    image: x\n    healthcheck: {test: ["NONE"]}\n');
  assert.equal(p.services.a!.healthcheck!.disable, true);
  assert.deepEqual(p.services.b!.healthcheck!.test, ['NONE']);
});
