#!/usr/bin/env node
// The test command: `npm test` (all suites) or `npm test -- unit|integration|e2e [more…]`.
// Runs node:test on the .ts files directly (Node >= 24 strips types), then checks that the
// suite left no host object of ours behind (a leak counts as a failed test), and ends with
// "N passed, N failed, N skipped"; exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { snapshotHostObjects, newHostObjects } from './host-objects.mjs';

const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = suites.length ? suites : ['unit', 'integration', 'e2e'];
const files = chosen.flatMap((s) => find(join('test', s)));
if (files.length === 0) {
  console.error(`No test files under ${chosen.map((s) => 'test/' + s).join(', ')}`);
  process.exit(1);
}
const before = snapshotHostObjects();
const summaryDir = mkdtempSync(join(tmpdir(), 'tsc-summary-'));
const summaryFile = join(summaryDir, 'summary.json');
// Always the project's pinned Node (>= 24 runs .ts directly), whichever node started this script.
const pinned = new URL('../node_modules/.bin/node', import.meta.url).pathname;
const r = spawnSync(existsSync(pinned) ? pinned : process.execPath, [
  '--disable-warning=ExperimentalWarning',
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  `--test-timeout=${process.env.TEST_TIMEOUT ?? 300000}`,
  '--test-reporter=./scripts/test-reporter.mjs',
  '--test-reporter-destination=stdout',
  ...files,
], { stdio: 'inherit', env: {
    ...process.env,
    TEST_SUMMARY_FILE: summaryFile,
    // Our embedded DNS must never forward a test's query off the machine: unknown names get NXDOMAIN.
    TSCOMPOSE_DNS_UPSTREAMS: '',
  } });

let s = { passed: 0, failed: 0, skipped: 0 };
try { s = JSON.parse(readFileSync(summaryFile, 'utf8')); } catch { s.failed++; console.log('✖ the test runner wrote no summary'); }
rmSync(summaryDir, { recursive: true, force: true });

const leaked = newHostObjects(before, snapshotHostObjects());
if (leaked.length) {
  s.failed++;
  console.log(`✖ the suite left host objects behind:\n${leaked.map((o) => '    ' + o).join('\n')}`);
} else {
  s.passed++;
  console.log('✔ the suite left no host objects behind (links, mounts, cgroups, nftables, processes, sysctls)');
}
console.log(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
process.exit(s.failed > 0 || r.status !== 0 ? 1 : 0);

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
