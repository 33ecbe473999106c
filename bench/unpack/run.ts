// Layer unpack throughput: our streaming unpacker (gunzip + tar parse + writes, with whiteout and
// containment checks) beside GNU `tar xzf` on the same gzip layer, alternating runs, page cache
// warm for both. Prints MB/s of compressed input (and of tar content); goal ≥ 0.8× of tar.
//
//   node bench/unpack/run.ts [content-MB=260] [runs=3]
import { statSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { gzipLayer, benchDir } from '../fixtures-image.ts';
import { unpackLayer } from '../../executor/image/unpack.ts';

const mb = Number(process.argv[2] ?? 260);
const runs = Number(process.argv[3] ?? 3);
const t0 = performance.now();
const file = gzipLayer(mb);
const gz = statSync(file).size;
const raw = Number(execFileSync('sh', ['-c', `gzip -dc '${file}' | wc -c`], { encoding: 'utf8' }).trim());
console.log(`layer: ${(gz / 1e6).toFixed(0)} MB gzip, ${(raw / 1e6).toFixed(0)} MB tar (prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

const out = join(benchDir, `unpack-out-${process.pid}`);
const ours: number[] = [];
const tars: number[] = [];
for (let i = 0; i < runs; i++) {
  for (const which of i % 2 ? ['tar', 'ours'] : ['ours', 'tar']) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const s = performance.now();
    if (which === 'tar') execFileSync('tar', ['-xzf', file, '-C', out, '--numeric-owner']);
    else await unpackLayer(file, out);
    const ms = performance.now() - s;
    (which === 'tar' ? tars : ours).push(ms);
  }
}
rmSync(out, { recursive: true, force: true });
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const row = (name: string, a: number[]) => {
  const m = med(a);
  console.log(`${name.padEnd(12)} median ${(m / 1000).toFixed(2)} s  ${(gz / 1e6 / (m / 1000)).toFixed(1)} MB/s gzip  ${(raw / 1e6 / (m / 1000)).toFixed(1)} MB/s tar   (min ${(Math.min(...a) / 1000).toFixed(2)}, max ${(Math.max(...a) / 1000).toFixed(2)} s, ${a.length} runs)`);
};
row('tscompose', ours);
row('tar xzf', tars);
console.log(`ratio: ${(med(tars) / med(ours)).toFixed(2)}× tar's throughput (goal ≥ 0.8)   load ${loadavg()[0]!.toFixed(2)}`);
