// v1 `blkio` controller: proportional I/O weight (global and per device) and per-device
// throttles. Kernels without CFQ offer only the BFQ weight files; kernels with neither cannot
// honour a weight, which is an error rather than a silent drop. Each per-device value is its
// own write (the kernel takes one `maj:min value` line per write).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../schema/errors.ts';
import { blockIOLines } from '../devices.ts';
import type { BlockIOResources } from '../types.ts';
import { writeValue } from '../files.ts';

function weightFile(dir: string, base: 'weight' | 'weight_device', fake: boolean): string {
  for (const file of [`blkio.${base}`, `blkio.bfq.${base}`]) if (existsSync(join(dir, file))) return file;
  if (fake) return `blkio.${base}`;
  throw new TscError('CGROUP_UNSUPPORTED', `blkio_config ${base} cannot be applied: ${dir} has neither blkio.${base} nor blkio.bfq.${base}`, {
    hint: 'the kernel needs the BFQ I/O scheduler (or CFQ) for block I/O weights; remove the weight',
  });
}

export function applyBlkio(dir: string, io: BlockIOResources | undefined, fake: boolean): void {
  if (!io) return;
  if (io.weight !== undefined) writeValue(dir, weightFile(dir, 'weight', fake), io.weight);
  const lines = blockIOLines(io);
  if (lines.weightDevice.length) {
    const file = weightFile(dir, 'weight_device', fake);
    for (const l of lines.weightDevice) writeValue(dir, file, l);
  }
  for (const [file, list] of [['blkio.throttle.read_bps_device', lines.readBps], ['blkio.throttle.write_bps_device', lines.writeBps],
    ['blkio.throttle.read_iops_device', lines.readIops], ['blkio.throttle.write_iops_device', lines.writeIops]] as const) {
    for (const l of list) writeValue(dir, file, l);
  }
}
