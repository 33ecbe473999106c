// Pull from a local registry (Debian's docker-registry on loopback): a multi-layer image of gzip
// layers, pulled by us into a fresh store (download + verify + unpack, layers in parallel) beside
// `skopeo copy` of the same image to a local dir (download + verify, no unpack). Alternating runs.
//
//   node bench/pull/run.ts [layers=4] [MB-per-layer=25] [runs=3]
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, createReadStream, statSync, existsSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { gzipLayer } from '../fixtures-image.ts';
import { startRegistry } from '../../test/helpers/registry.ts';
import { openImageStore } from '../../executor/image/store.ts';

const nLayers = Number(process.argv[2] ?? 4);
const mb = Number(process.argv[3] ?? 25);
const runs = Number(process.argv[4] ?? 3);

async function sha(file: string, gunzip: boolean): Promise<string> {
  const h = createHash('sha256');
  const src = createReadStream(file);
  for await (const c of (gunzip ? src.pipe(createGunzip()) : src) as AsyncIterable<Buffer>) h.update(c);
  return 'sha256:' + h.digest('hex');
}

const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-pull-'));
const reg = await startRegistry(join(dir, 'registry'));
try {
  // An OCI layout made of cached gzip layers (built once under build/bench/).
  const layout = join(dir, 'oci');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  const layers = [];
  const diffIds = [];
  let total = 0;
  for (let i = 0; i < nLayers; i++) {
    const f = gzipLayer(mb, 100 + i);
    const d = await sha(f, false);
    execFileSync('cp', [f, join(layout, 'blobs/sha256', d.slice(7))]);
    const size = statSync(f).size;
    total += size;
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d, size });
    diffIds.push(await sha(f, true));
  }
  const put = (o: unknown) => {
    const b = Buffer.from(JSON.stringify(o));
    const d = 'sha256:' + createHash('sha256').update(b).digest('hex');
    writeFileSync(join(layout, 'blobs/sha256', d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const cfg = put({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } });
  const man = put({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg }, layers });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...man, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  reg.push(layout, 'v1', 'bench/img:v1');
  console.log(`image: ${nLayers} gzip layers, ${(total / 1e6).toFixed(0)} MB, from ${reg.host}`);

  const ours: number[] = [];
  const oursDownload: number[] = [];
  const skopeo: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const which of i % 2 ? ['skopeo', 'ours'] : ['ours', 'skopeo']) {
      const target = join(dir, `run-${which}-${i}`);
      const t = performance.now();
      if (which === 'ours') {
        let lastDownload = t;
        await openImageStore(join(target, 'images')).pull(`${reg.host}/bench/img:v1`, {
          dockerConfig: '{}', onProgress: (p) => { if (p.status === 'downloaded') lastDownload = performance.now(); },
        });
        oursDownload.push(lastDownload - t);
      } else {
        execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/bench/img:v1`, `dir:${target}`]);
      }
      (which === 'ours' ? ours : skopeo).push(performance.now() - t);
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const row = (n: string, a: number[]) => console.log(`${n.padEnd(34)} median ${(med(a) / 1000).toFixed(2)} s (min ${(Math.min(...a) / 1000).toFixed(2)}, max ${(Math.max(...a) / 1000).toFixed(2)}, ${a.length} runs)`);
  row('tscompose pull (download+unpack)', ours);
  row('  of which all layers downloaded at', oursDownload);
  row('skopeo copy to dir (download only)', skopeo);
  console.log(`load ${loadavg()[0]!.toFixed(2)}`);
} finally {
  await reg.stop();
  rmSync(dir, { recursive: true, force: true });
}
