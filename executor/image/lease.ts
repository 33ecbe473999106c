// Leases keep `rm`/`prune` from collecting what an import, load or pull in flight is writing but has
// not tagged yet. A lease is a file `<root>/leases/<pid>-<rand>` holding its start time; while it
// lives (and its process does), garbage collection keeps every blob and layer changed since that
// start. Writers create the lease before writing anything and rename objects into place (which
// sets their ctime); the collector lists objects before it reads leases, so an object it sees was
// always covered by a lease it will see.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex } from '../sys/random.ts';

export function beginLease(root: string): () => void {
  const dir = join(root, 'leases');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomHex(4)}`);
  // Millisecond clock vs file ctimes: back off a second so coarse timestamps cannot slip under it.
  writeFileSync(file, JSON.stringify({ pid: process.pid, start: Date.now() - 1000 }));
  return () => rmSync(file, { force: true });
}

/** The earliest start among live leases (dead holders' leases are removed), or undefined. */
export function oldestLiveLease(root: string, isAlive: (pid: number) => boolean): number | undefined {
  const dir = join(root, 'leases');
  let names: string[];
  try { names = readdirSync(dir); } catch { return undefined; }
  let oldest: number | undefined;
  for (const n of names) {
    try {
      const l = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { pid: number; start: number };
      if (!isAlive(l.pid)) { rmSync(join(dir, n), { force: true }); continue; }
      oldest = oldest === undefined ? l.start : Math.min(oldest, l.start);
    } catch { /* being written or removed right now */ }
  }
  return oldest;
}
