#!/usr/bin/env node
// The test command: `npm test` (all suites) or `npm test -- unit|integration|e2e [more…]`.
// Runs node:test on the .ts files directly (Node >= 24 strips types) and ends with
// "N passed, N failed, N skipped"; exits non-zero when a test failed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = suites.length ? suites : ['unit', 'integration', 'e2e'];
const files = chosen.flatMap((s) => find(join('test', s)));
if (files.length === 0) {
  console.error(`No test files under ${chosen.map((s) => 'test/' + s).join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, [
  '--disable-warning=ExperimentalWarning',
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  `--test-timeout=${process.env.TEST_TIMEOUT ?? 300000}`,
  '--test-reporter=./scripts/test-reporter.mjs',
  '--test-reporter-destination=stdout',
  ...files,
], { stdio: 'inherit' });
process.exit(r.status ?? 1);

function find(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
