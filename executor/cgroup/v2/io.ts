// v2 `io` controller: io.weight is 1..10000 where blkio's was 10..1000; scaled linearly as runc
// does. Kernels whose scheduler is BFQ expose io.bfq.weight (1..1000) instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeValue } from '../files.ts';

export function blkioToIoWeight(w: number): number {
  return Math.round(1 + ((w - 10) * 9999) / 990);
}

export function applyIoV2(dir: string, io: { weight?: number } | undefined): void {
  if (io?.weight === undefined) return;
  if (!existsSync(join(dir, 'io.weight')) && existsSync(join(dir, 'io.bfq.weight'))) {
    writeValue(dir, 'io.bfq.weight', io.weight);
    return;
  }
  writeValue(dir, 'io.weight', `default ${blkioToIoWeight(io.weight)}`, { hint: 'the io controller must be enabled and the disk scheduler must support weights' });
}
