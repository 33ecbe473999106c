import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, appendFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCri, readLogs, followLog, Prefixer } from '../../../executor/supervisor/logs.ts';

const dir = mkdtempSync(join(tmpdir(), 'tscompose-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('CRI lines parse into time, stream and text, partial records joined with their final one', () => {
  const lines = parseCri('2024-01-01T00:00:00.1Z stdout F hello world\n2024-01-01T00:00:01Z stderr P par\n2024-01-01T00:00:01Z stderr F tial\n');
  assert.deepEqual(lines, [
    { time: '2024-01-01T00:00:00.1Z', stream: 'stdout', text: 'hello world' },
    { time: '2024-01-01T00:00:01Z', stream: 'stderr', text: 'partial' },
  ]);
});

test('readLogs reads rotated files first and applies --since, --until and --tail', () => {
  const d = mkdtempSync(join(dir, 'r'));
  writeFileSync(join(d, 'log.1'), '2024-01-01T00:00:01Z stdout F one\n2024-01-01T00:00:02Z stdout F two\n');
  writeFileSync(join(d, 'log'), '2024-01-01T00:00:03Z stdout F three\n');
  assert.deepEqual(readLogs(d).map((l) => l.text), ['one', 'two', 'three']);
  assert.deepEqual(readLogs(d, { tail: 2 }).map((l) => l.text), ['two', 'three']);
  assert.deepEqual(readLogs(d, { since: Date.parse('2024-01-01T00:00:02Z'), until: Date.parse('2024-01-01T00:00:03Z') }).map((l) => l.text), ['two']);
});

test('followLog sees appended lines, a half-written line only once complete, and a rotated file from its start', async () => {
  const d = mkdtempSync(join(dir, 'f'));
  writeFileSync(join(d, 'log'), '2024-01-01T00:00:00Z stdout F old\n');
  const got: string[] = [];
  const stop = followLog(d, (l) => got.push(l.text), { intervalMs: 5 });
  appendFileSync(join(d, 'log'), '2024-01-01T00:00:01Z stdout F new\n2024-01-01T00:00:02Z stdout F hal');
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(got, ['new']);
  appendFileSync(join(d, 'log'), 'f\n');
  await new Promise((r) => setTimeout(r, 30));
  renameSync(join(d, 'log'), join(d, 'log.1'));
  writeFileSync(join(d, 'log'), '2024-01-01T00:00:03Z stdout F rotated\n');
  await new Promise((r) => setTimeout(r, 30));
  stop();
  assert.deepEqual(got, ['new', 'half', 'rotated']);
});

test('prefixes are padded to the longest name and coloured per service in compose\'s order', () => {
  const p = new Prefixer({ colour: true, names: ['p-web-1', 'p-database-1'] });
  const l = { time: 't', stream: 'stdout' as const, text: 'x' };
  assert.equal(p.format('p-web-1', 'web', l), '\x1b[36mp-web-1       | \x1b[0mx');
  assert.equal(p.format('p-database-1', 'database', l), '\x1b[33mp-database-1  | \x1b[0mx');
  assert.equal(new Prefixer({ colour: false, enabled: false, timestamps: true }).format('a', 'a', l), 't x');
});
