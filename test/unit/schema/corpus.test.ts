// Each stack under test/fixtures/compose/ loads, prints exactly its hand-checked expected.yaml
// (the fixture directory written as <dir>), and survives the config round trip.
// To see a new fixture's output: CORPUS_WRITE=1 node --test test/unit/schema/corpus.test.ts,
// then review expected.yaml line by line before committing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectSync } from '../../../schema/load.ts';
import type { LoadOptions } from '../../../schema/load.ts';
import { renderConfig } from '../../../schema/config-output.ts';
import { model } from './stack.ts';

const root = new URL('../../fixtures/compose/', import.meta.url).pathname;
const dirs = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();

test('the corpus has at least ten stacks', () => {
  assert.ok(dirs.length >= 10, `${dirs.length} stacks`);
});

for (const d of dirs) {
  test(`corpus stack "${d}" loads and prints its expected normalized config`, () => {
    const dir = join(root, d);
    const extra = existsSync(join(dir, 'options.json')) ? (JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) as LoadOptions) : {};
    const opts: LoadOptions = { ...extra, cwd: dir, env: { HOME: '/home/u', ...(extra.env ?? {}) } };
    const p = loadProjectSync(opts);
    const out = renderConfig(p).replaceAll(dir.replace(/\/$/, ''), '<dir>');
    const expectedFile = join(dir, 'expected.yaml');
    if (process.env.CORPUS_WRITE) writeFileSync(expectedFile, out);
    assert.equal(out, readFileSync(expectedFile, 'utf8'));
    // JSON output loads back to the same model too.
    const again = loadProjectSync({ ...opts, files: ['-'], stdin: renderConfig(p, 'json'), projectDirectory: dir });
    const strip = (x: unknown) => {
      const { disabled_services: _d, ...rest } = model(x as never) as Record<string, unknown>;
      return rest;
    };
    assert.deepEqual(strip(again), strip(p));
  });
}
