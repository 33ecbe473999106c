// v1 `blkio` controller: proportional I/O weight. Kernels without CFQ offer only the BFQ file;
// kernels with neither cannot honour the key, which is an error rather than a silent drop.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../schema/errors.ts';
import { writeValue } from '../files.ts';

export function applyBlkio(dir: string, io: { weight?: number } | undefined, fake: boolean): void {
  if (io?.weight === undefined) return;
  for (const file of ['blkio.weight', 'blkio.bfq.weight']) {
    if (existsSync(join(dir, file))) {
      writeValue(dir, file, io.weight);
      return;
    }
  }
  if (fake) {
    writeValue(dir, 'blkio.weight', io.weight);
    return;
  }
  throw new TscError('CGROUP_UNSUPPORTED', `blkio_config.weight cannot be applied: ${dir} has neither blkio.weight nor blkio.bfq.weight`, {
    hint: 'the kernel needs the BFQ I/O scheduler (or CFQ) for block I/O weights; remove blkio_config.weight',
  });
}
