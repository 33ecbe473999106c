// v2 `io` controller: io.weight is 1..10000 where blkio's was 10..1000; scaled linearly as runc
// does. Kernels whose scheduler is BFQ expose io.bfq.weight (1..1000, blkio's own scale) instead.
// Throttles go to io.max, one `maj:min rbps=… wbps=… riops=… wiops=…` line per device.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { blockIOLines } from '../devices.ts';
import type { BlockIOResources } from '../types.ts';
import { writeValue } from '../files.ts';

export function blkioToIoWeight(w: number): number {
  return Math.round(1 + ((w - 10) * 9999) / 990);
}

export function ioMaxLines(lines: { readBps: string[]; writeBps: string[]; readIops: string[]; writeIops: string[] }): string[] {
  const byDev = new Map<string, string[]>();
  const add = (list: string[], key: string) => {
    for (const l of list) {
      const [dev = '', v = ''] = l.split(' ');
      byDev.set(dev, [...(byDev.get(dev) ?? []), `${key}=${v}`]);
    }
  };
  add(lines.readBps, 'rbps');
  add(lines.writeBps, 'wbps');
  add(lines.readIops, 'riops');
  add(lines.writeIops, 'wiops');
  return [...byDev.entries()].map(([dev, kv]) => `${dev} ${kv.join(' ')}`);
}

export function applyIoV2(dir: string, io: BlockIOResources | undefined): void {
  if (!io) return;
  const bfq = !existsSync(join(dir, 'io.weight')) && existsSync(join(dir, 'io.bfq.weight'));
  const hint = { hint: 'the io controller must be enabled and the disk scheduler must support weights' };
  if (io.weight !== undefined) {
    if (bfq) writeValue(dir, 'io.bfq.weight', io.weight);
    else writeValue(dir, 'io.weight', `default ${blkioToIoWeight(io.weight)}`, hint);
  }
  const lines = blockIOLines(io);
  for (const l of lines.weightDevice) {
    const [dev, w] = l.split(' ');
    if (bfq) writeValue(dir, 'io.bfq.weight', `${dev} ${w}`);
    else writeValue(dir, 'io.weight', `${dev} ${blkioToIoWeight(Number(w))}`, hint);
  }
  for (const l of ioMaxLines(lines)) writeValue(dir, 'io.max', l);
}
