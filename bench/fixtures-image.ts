// Shared by bench/unpack and bench/pull: a synthetic root filesystem shaped like a real image
// (many small text-like files, some larger binaries, symlinks), built once under build/bench/.
import { existsSync, mkdirSync, writeFileSync, symlinkSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rng } from './rng.ts';

export const benchDir = fileURLToPath(new URL('../build/bench/', import.meta.url));


const WORDS = 'the of and to in is that for it as with was on be by this are from or have an they which one you were all we can her has there been if more when will would who so no out up into than them only some could what its time about then other two first also new these may any my now such like our over even most after should made through where back much before go good well see'.split(' ');

/** Writes ~`mb` MB of files into `dir` (half text-like, half random binary) with seed `seed`. */
export function makeTree(dir: string, mb: number, seed = 1): void {
  const r = rng(seed);
  let written = 0;
  const target = mb * 1e6;
  let n = 0;
  while (written < target) {
    const d = join(dir, `usr/lib/pkg${Math.floor(n / 200)}`);
    if (n % 200 === 0) mkdirSync(d, { recursive: true });
    const big = r() < 0.03;
    const size = big ? 200_000 + Math.floor(r() * 2_000_000) : 500 + Math.floor(r() * 40_000);
    let buf: Buffer;
    if (r() < 0.5) {
      const parts: string[] = [];
      let len = 0;
      while (len < size) { const w = WORDS[Math.floor(r() * WORDS.length)]!; parts.push(w); len += w.length + 1; }
      buf = Buffer.from(parts.join(' '));
    } else {
      buf = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i += 4) buf.writeUInt32LE((r() * 0xffffffff) >>> 0, Math.min(i, size - 4));
    }
    writeFileSync(join(d, `f${n}${big ? '.so' : '.txt'}`), buf);
    if (n % 50 === 0) symlinkSync(`f${n}${big ? '.so' : '.txt'}`, join(d, `link${n}`));
    written += buf.length;
    n++;
  }
}

/** A gzip layer of about `mb` MB of content, cached. Returns its path. */
export function gzipLayer(mb: number, seed = 1): string {
  const file = join(benchDir, `layer-${mb}mb-${seed}.tar.gz`);
  if (existsSync(file)) return file;
  mkdirSync(benchDir, { recursive: true });
  const tree = join(benchDir, `tree-${process.pid}`);
  rmSync(tree, { recursive: true, force: true });
  makeTree(tree, mb, seed);
  execFileSync('tar', ['--sort=name', '--numeric-owner', '-C', tree, '-czf', `${file}.tmp`, '.']);
  renameSync(`${file}.tmp`, file);
  rmSync(tree, { recursive: true, force: true });
  return file;
}
