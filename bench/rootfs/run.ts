// Rootfs setup per container: mountRootfs (init layer + overlay mount through koffi) and
// removeRootfs (umount + delete dirs) of a cached image, back to back. Prints median, p90 and
// min–max in ms; goal: mount < 5 ms. Also a 120-layer image (the fsconfig path).
//
//   node bench/rootfs/run.ts [runs=200]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { openImageStore } from '../../executor/image/store.ts';
import { mountRootfs, removeRootfs } from '../../executor/rootfs/rootfs.ts';
import { busyboxImage, manyLayerImage } from '../../test/helpers/images.ts';

const runs = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-rootfs-'));
try {
  const store = openImageStore(join(dir, 'images'));
  const images = [
    { name: 'busybox (1 layer)', img: await busyboxImage(store) },
    { name: '120 layers', img: await manyLayerImage(store, 120) },
  ];
  const init = { '/etc/hosts': '127.0.0.1 localhost\n', '/etc/hostname': 'bench\n', '/etc/resolv.conf': 'nameserver 127.0.0.1\n' };
  for (const { name, img } of images) {
    const mounts: number[] = [];
    const removes: number[] = [];
    let strategy = '';
    for (let i = 0; i < runs; i++) {
      const c = join(dir, 'containers', String(i));
      let t = performance.now();
      const r = await mountRootfs({ containerDir: c, layerDirs: img.layerDirs, initFiles: init, mountPoints: ['/data'] });
      mounts.push(performance.now() - t);
      strategy = r.strategy;
      t = performance.now();
      await removeRootfs(c);
      removes.push(performance.now() - t);
    }
    const stats = (a: number[]) => {
      const s = [...a].sort((x, y) => x - y);
      const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
      return `median ${q(0.5)} ms, p90 ${q(0.9)}, min ${s[0]!.toFixed(2)}, max ${s[s.length - 1]!.toFixed(2)}`;
    };
    console.log(`${name} [${strategy}]  mount: ${stats(mounts)}   remove: ${stats(removes)}   (${runs} runs)`);
  }
  console.log(`load ${loadavg()[0]!.toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
