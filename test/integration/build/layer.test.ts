// An overlay upper dir with real deletions (0/0 char devices, opaque dirs made by the kernel)
// archived as an OCI layer: whiteouts converted, contents and metadata kept, node-tar reads it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, linkSync, rmSync, chownSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Parser, type ReadEntry } from 'tar';
import { testEnv, leftovers } from '../../helpers/env.ts';
import { upperTar, upperIsEmpty } from '../../../executor/build/layer.ts';

const env = testEnv('buildlayer');
after(() => {
  const left = leftovers(env.dir);
  env.cleanup();
  assert.deepEqual(left, []);
});

async function entries(dir: string): Promise<Map<string, { type: string; size: number; uid: number; linkpath: string; body: string }>> {
  const chunks: Buffer[] = [];
  for await (const c of upperTar(dir)) chunks.push(c);
  const out = new Map<string, { type: string; size: number; uid: number; linkpath: string; body: string }>();
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({ onReadEntry: (e: ReadEntry) => {
      const body: Buffer[] = [];
      e.on('data', (c: Buffer) => body.push(c));
      e.on('end', () => out.set(e.path, { type: e.type, size: e.size ?? 0, uid: e.uid ?? -1, linkpath: e.linkpath ?? '', body: Buffer.concat(body).toString() }));
    } } as never);
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(Buffer.concat(chunks));
  });
  return out;
}

test('deletions and opaque dirs made by overlay itself become .wh. entries', async () => {
  const lower = join(env.dir, 'lower'), upper = join(env.dir, 'upper'), work = join(env.dir, 'work'), merged = join(env.dir, 'merged');
  for (const d of [lower, upper, work, merged]) mkdirSync(d, { recursive: true });
  mkdirSync(join(lower, 'keep'));
  mkdirSync(join(lower, 'replace'));
  writeFileSync(join(lower, 'replace', 'old'), 'old');
  writeFileSync(join(lower, 'gone'), 'x');
  writeFileSync(join(lower, 'keep', 'gone-too'), 'x');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
  try {
    rmSync(join(merged, 'gone'));
    rmSync(join(merged, 'keep', 'gone-too'));
    rmSync(join(merged, 'replace'), { recursive: true });
    mkdirSync(join(merged, 'replace'));
    writeFileSync(join(merged, 'replace', 'new'), 'new content');
    writeFileSync(join(merged, 'owned'), 'o');
    chownSync(join(merged, 'owned'), 1234, 1234);
    symlinkSync('../target', join(merged, 'link'));
    linkSync(join(merged, 'owned'), join(merged, 'hard'));
  } finally {
    execFileSync('umount', [merged]);
  }
  assert.ok(lstatSync(join(upper, 'gone')).isCharacterDevice(), 'overlay recorded the deletion as a 0/0 device');
  const e = await entries(upper);
  assert.deepEqual([...e.keys()].sort(), [
    '.wh.gone', 'hard', 'keep/', 'keep/.wh.gone-too', 'link', 'owned', 'replace/', 'replace/.wh..wh..opq', 'replace/new',
  ]);
  assert.equal(e.get('.wh.gone')!.type, 'File');
  assert.equal(e.get('.wh.gone')!.size, 0);
  assert.equal(e.get('replace/new')!.body, 'new content');
  assert.equal(e.get('owned')!.uid, 1234);
  assert.equal(e.get('link')!.linkpath, '../target');
  // names are archived in sorted order: `hard` carries the data, `owned` links to it
  assert.equal(e.get('hard')!.type, 'File');
  assert.equal(e.get('owned')!.type, 'Link', 'the second name of a file is a hard link entry');
  assert.equal(e.get('owned')!.linkpath, 'hard');
  assert.equal(upperIsEmpty(upper), false);
  assert.equal(upperIsEmpty(join(env.dir, 'nothing')), true);
  assert.deepEqual(readdirSync(lower).sort(), ['gone', 'keep', 'replace'], 'the lower dir is untouched');
});
