// Overlay upper dir entries → OCI tar entries (whiteouts), and the tar bytes node-tar reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser, type ReadEntry } from 'tar';
import { tarHeadersFor, type UpperEntry } from '../../../executor/build/layer.ts';
import { headerBlocks, END_OF_ARCHIVE, padding } from '../../../executor/build/tar-writer.ts';
import { parseCacheMount, parseRunMount } from '../../../executor/build/mounts.ts';
import { cleanSource, destFor, SourceError } from '../../../executor/build/sources.ts';
import { archiveKind } from '../../../executor/build/archive.ts';

const e = (x: Partial<UpperEntry> & Pick<UpperEntry, 'rel' | 'kind'>): UpperEntry =>
  ({ mode: 0o644, uid: 0, gid: 0, size: 0, mtime: new Date(1e12), rdevMajor: 0, rdevMinor: 0, ...x });

test('a 0/0 char device is a deletion: .wh.NAME; an opaque dir gets .wh..wh..opq', () => {
  const seen = new Map<string, string>();
  assert.deepEqual(tarHeadersFor(e({ rel: 'etc/group', kind: 'char' }), seen).map((h) => [h.path, h.type, h.size]), [['etc/.wh.group', 'File', 0]]);
  assert.deepEqual(tarHeadersFor(e({ rel: 'top', kind: 'char' }), seen).map((h) => h.path), ['.wh.top']);
  assert.deepEqual(tarHeadersFor(e({ rel: 'var/cache', kind: 'dir', mode: 0o40755, opaque: true }), seen).map((h) => [h.path, h.type, h.mode]),
    [['var/cache/', 'Directory', 0o755], ['var/cache/.wh..wh..opq', 'File', 0o644]]);
  // a real device node stays a device
  assert.deepEqual(tarHeadersFor(e({ rel: 'dev/null', kind: 'char', rdevMajor: 1, rdevMinor: 3 }), seen).map((h) => [h.type, h.devmaj, h.devmin]), [['CharacterDevice', 1, 3]]);
});

test('hard links within a layer become Link entries; symlinks keep their target; sockets are skipped', () => {
  const seen = new Map<string, string>();
  assert.equal(tarHeadersFor(e({ rel: 'a', kind: 'file', size: 3, inode: '1:2' }), seen)[0]!.type, 'File');
  assert.deepEqual(tarHeadersFor(e({ rel: 'b', kind: 'file', size: 3, inode: '1:2' }), seen).map((h) => [h.type, h.linkpath]), [['Link', 'a']]);
  assert.deepEqual(tarHeadersFor(e({ rel: 'l', kind: 'symlink', linkTarget: '../x' }), seen).map((h) => h.linkpath), ['../x']);
  assert.deepEqual(tarHeadersFor(e({ rel: 's', kind: 'socket' }), seen), []);
});

test('the tar writer: long paths and xattrs through PAX, read back by node-tar', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
  const data = Buffer.from('hello');
  const parts = [
    headerBlocks({ path: 'dir/', type: 'Directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: new Date(1e12) }),
    headerBlocks({ path: long, type: 'File', mode: 0o600, uid: 1000, gid: 1000, size: data.length, mtime: new Date(1e12),
      xattrs: { 'security.capability': Buffer.from([1, 2, 0, 255]) } }),
    data, Buffer.alloc(padding(data.length)), END_OF_ARCHIVE,
  ];
  const seen: { path: string; type: string; uid: number; mode: number; body: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({ onReadEntry: (en: ReadEntry) => {
      const chunks: Buffer[] = [];
      en.on('data', (c: Buffer) => chunks.push(c));
      en.on('end', () => seen.push({ path: en.path, type: en.type, uid: en.uid ?? -1, mode: en.mode ?? 0, body: Buffer.concat(chunks).toString() }));
    } } as never);
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(Buffer.concat(parts));
  });
  assert.deepEqual(seen.map((s) => [s.path, s.type]), [['dir/', 'Directory'], [long, 'File']]);
  assert.equal(seen[1]!.body, 'hello');
  assert.equal(seen[1]!.uid, 1000);
  assert.equal(seen[1]!.mode & 0o777, 0o600);
  assert.ok(Buffer.concat(parts).includes(Buffer.concat([Buffer.from('SCHILY.xattr.security.capability='), Buffer.from([1, 2, 0, 255, 10])])), 'xattr in the PAX header');
});

test('RUN --mount: cache mounts parsed, other types refused', () => {
  assert.deepEqual(parseCacheMount('type=cache,target=/root/.npm'), { type: 'cache', id: '/root/.npm', target: '/root/.npm', sharing: 'shared', readOnly: false });
  assert.deepEqual(parseCacheMount('type=cache,id=npm,dst=cache,sharing=locked', '/app'), { type: 'cache', id: 'npm', target: '/app/cache', sharing: 'locked', readOnly: false });
  assert.throws(() => parseCacheMount('type=secret,id=x'), /not supported/);
  assert.throws(() => parseCacheMount('type=cache'), /target/);
  assert.deepEqual(parseRunMount('type=bind,source=package.json,target=package.json', '/app'), { type: 'bind', source: 'package.json', target: '/app/package.json' });
  assert.deepEqual(parseRunMount('target=/src'), { type: 'bind', source: '.', target: '/src' }, 'bind is the default type');
  assert.deepEqual(parseRunMount('type=tmpfs,target=/scratch,size=1048576'), { type: 'tmpfs', target: '/scratch', size: 1048576 });
  assert.throws(() => parseRunMount('type=bind,source=.,target=/x,rw'), /rw bind/);
  assert.throws(() => parseRunMount('type=bind,from=build,target=/x'), /option "from"/);
  assert.throws(() => parseRunMount('type=ssh'), /not supported/);
});

test('COPY sources: cleaned inside the context, destinations as docker places them', () => {
  assert.equal(cleanSource('./a/../b/'), 'b');
  assert.equal(cleanSource('.'), '');
  assert.throws(() => cleanSource('../etc/passwd'), SourceError);
  assert.throws(() => cleanSource('a/../../x'), SourceError);
  assert.equal(destFor('/app', 'file', 'x.txt', true), '/app/x.txt');
  assert.equal(destFor('/app/y.txt', 'file', 'x.txt', false), '/app/y.txt');
  assert.equal(destFor('/app', 'dir', 'src', true), '/app', 'a dir source copies its contents');
});

test('ADD recognises archives by their first bytes', () => {
  assert.equal(archiveKind(Buffer.from([0x1f, 0x8b, 8])), 'gzip');
  assert.equal(archiveKind(Buffer.from('BZh91AY')), 'bzip2');
  const tar = Buffer.alloc(512);
  tar.write('ustar', 257, 'latin1');
  assert.equal(archiveKind(tar), 'tar');
  assert.equal(archiveKind(Buffer.from('plain text file')), undefined);
});
