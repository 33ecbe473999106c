// A node:test reporter: one line per test, the failures in full, and a closing
// "N passed, N failed, N skipped" line that CI reads.
import { relative } from 'node:path';

export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  for await (const event of source) {
    const data = event.data;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') {
      if (event.type === 'test:stderr' || event.type === 'test:stdout') {
        if (process.env.TEST_VERBOSE) yield data.message;
      }
      continue;
    }
    // Suites report their own pass/fail; count only tests (and files that failed to load).
    const isSuite = data.details?.type === 'suite';
    const where = data.file ? relative(process.cwd(), data.file) : '';
    const ms = data.details?.duration_ms?.toFixed(0) ?? '?';
    if (event.type === 'test:pass') {
      if (isSuite) continue;
      if (data.skip !== undefined || data.todo !== undefined) {
        skipped++;
        yield `- ${data.name} # SKIP ${data.skip ?? data.todo ?? ''} (${where})\n`;
      } else {
        passed++;
        if (!process.env.TEST_QUIET) yield `✔ ${data.name} (${ms} ms)\n`;
      }
    } else {
      const err = data.details?.error;
      // A suite fails when a child fails; the child was already counted.
      if (isSuite && err?.failureType === 'subtestsFailed') continue;
      failed++;
      const msg = err?.cause?.stack ?? err?.cause?.message ?? err?.message ?? String(err);
      failures.push(`✖ ${data.name} (${where}:${data.line ?? ''})\n${indent(String(msg))}\n`);
      yield `✖ ${data.name} (${ms} ms)\n`;
    }
  }
  if (failures.length) yield `\nFailures:\n\n${failures.join('\n')}\n`;
  // scripts/test.mjs adds the host leak check and prints the closing line; run alone, print it here.
  if (process.env.TEST_SUMMARY_FILE) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ passed, failed, skipped }));
  } else {
    yield `${passed} passed, ${failed} failed, ${skipped} skipped\n`;
  }
}

function indent(s) {
  return s.split('\n').slice(0, 40).map((l) => '    ' + l).join('\n');
}
