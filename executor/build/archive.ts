// ADD's local archive rule: a source file that is a tar archive (plain, gzip, zstd, bzip2, xz) is
// extracted into the destination instead of copied. The archive is unpacked with the image store's
// layer unpacker into a temp dir first (it refuses paths that climb out and never writes through
// a symlink it planted), then copied into the rootfs like any tree, owners as in the archive.
import { openSync, readSync, closeSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import type { ImageStore } from '../image/store.ts';
import { unpackLayer } from '../image/unpack.ts';
import { collectSources } from './sources.ts';
import { copyInto } from './copy.ts';

type Kind = 'tar' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** What the first bytes say (pure). */
export function archiveKind(head: Buffer): Kind | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return undefined;
}

export function isArchive(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    return archiveKind(head.subarray(0, n)) !== undefined;
  } finally {
    closeSync(fd);
  }
}

export async function extractArchive(store: ImageStore, file: string, merged: string, destDir: string): Promise<void> {
  const tmp = join(store.root, 'tmp', `build-add-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(join(tmp, 'x'), { recursive: true });
  try {
    let src = file;
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    closeSync(fd);
    const kind = archiveKind(head.subarray(0, n));
    if (kind === 'bzip2' || kind === 'xz') {
      // The unpacker reads gzip/zstd/plain; these two are decompressed by the system tool first.
      src = join(tmp, 'archive.tar');
      const child = spawn(kind === 'bzip2' ? 'bzip2' : 'xz', ['-dc', file], { stdio: ['ignore', 'pipe', 'ignore'] });
      const done = new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
      await pipeline(child.stdout, createWriteStream(src));
      if (await done !== 0) throw new Error(`cannot decompress ${file} (${kind})`);
    }
    await unpackLayer(src, join(tmp, 'x'));
    const items = collectSources(join(tmp, 'x'), [''], destDir, true);
    copyInto(merged, items, {});
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
