import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSnippet, stack } from './stack.ts';

test('short volume syntax: relative and home binds become absolute, names stay volumes', () => {
  const s = stack({ 'compose.yaml': `
services:
  web:
    image: nginx
    volumes:
      - ./html:/usr/share/nginx/html:ro
      - ~/cache:/cache
      - /abs:/abs:rw,z
      - data:/data:nocopy
      - /anonymous
volumes:
  data: {}
` });
  try {
    const p = s.load();
    assert.deepEqual(p.services.web!.volumes, [
      { type: 'bind', source: join(s.dir, 'html'), target: '/usr/share/nginx/html', read_only: true, bind: { create_host_path: true } },
      { type: 'bind', source: '/home/u/cache', target: '/cache', bind: { create_host_path: true } },
      { type: 'bind', source: '/abs', target: '/abs', bind: { selinux: 'z', create_host_path: true } },
      { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } },
      { type: 'volume', target: '/anonymous', volume: {} },
    ]);
  } finally {
    s.cleanup();
  }
});

test('long volume syntax keeps its options and converts tmpfs sizes', () => {
  const p = loadSnippet(`
services:
  web:
    image: nginx
    volumes:
      - type: bind
        source: ./conf
        target: /conf
        read_only: "true"
        bind: {propagation: rshared, create_host_path: false}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 64m, mode: 01777}
      - type: volume
        source: data
        target: /data
        volume: {subpath: sub}
volumes:
  data:
`);
  const [bind, tmpfs, vol] = p.services.web!.volumes!;
  assert.equal(bind!.source!.endsWith('/proj/conf'), true);
  assert.equal(bind!.read_only, true);
  assert.deepEqual(bind!.bind, { propagation: 'rshared', create_host_path: false });
  assert.deepEqual(tmpfs!.tmpfs, { size: 64 * 1024 * 1024, mode: 0o1777 });
  assert.deepEqual(vol!.volume, { subpath: 'sub' });
});

test('top-level volumes get project-scoped names unless named or external', () => {
  const p = loadSnippet(`
name: shop
services:
  db: {image: postgres, volumes: ["pg:/var/lib/postgresql/data", "legacy:/l", "ext:/e"]}
volumes:
  pg:
  legacy: {name: old-data}
  ext: {external: true}
`);
  assert.deepEqual(p.volumes, { pg: { name: 'shop_pg' }, legacy: { name: 'old-data' }, ext: { name: 'ext', external: true } });
});

test('an unknown mode in a short volume is an error', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a:\n    image: x\n    volumes: ["./a:/a:bogus"]\n' });
  try {
    assert.throws(() => s.load(), /invalid volume mode "bogus"/);
  } finally {
    s.cleanup();
  }
});

test('mount targets are cleaned like Go path.Clean', () => {
  const p = loadSnippet('services:\n  a:\n    image: x\n    volumes: ["/h:/data/", {type: tmpfs, target: "/a/../b//c/"}]\n');
  assert.deepEqual(p.services.a!.volumes!.map((v) => v.target), ['/data', '/b/c']);
});
