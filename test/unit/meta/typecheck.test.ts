// The whole tree type-checks under strict settings (tsc --noEmit): Node strips types without
// checking them, so this test is what keeps the types honest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('the project type-checks with tsc (strict, noUncheckedIndexedAccess)', () => {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
