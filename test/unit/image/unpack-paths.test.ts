import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, detectCompression } from '../../../executor/image/unpack.ts';
import { parsePaxXattrs } from '../../../executor/image/pax-xattrs.ts';
import { LayerError } from '../../../executor/image/errors.ts';

test('archive paths are made relative to the layer root', () => {
  assert.equal(cleanPath('./etc/passwd'), 'etc/passwd');
  assert.equal(cleanPath('/etc//passwd/'), 'etc/passwd');
  assert.equal(cleanPath('a/b/../c'), 'a/c');
  assert.equal(cleanPath('./'), '');
  assert.equal(cleanPath('a/..'), '');
});

test('a ".." that climbs above the root is refused', () => {
  for (const p of ['..', '../x', 'a/../../x', '/../etc/passwd', './a/b/../../..']) {
    assert.throws(() => cleanPath(p), LayerError, p);
  }
});

test('compression is recognised by magic bytes', () => {
  assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
  assert.equal(detectCompression(Buffer.from('ustar')), 'none');
  assert.equal(detectCompression(Buffer.alloc(0)), 'none');
});

test('PAX xattr records are read by length, so values may contain newlines and "="', () => {
  const rec = (k: string, v: string) => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    return `${len}${body}`;
  };
  const body = rec('path', 'x') + rec('SCHILY.xattr.user.a', 'one\ntwo=2') + rec('SCHILY.xattr.security.capability', 'cap');
  const x = parsePaxXattrs(body);
  assert.equal(x?.['user.a']?.toString(), 'one\ntwo=2');
  assert.equal(x?.['security.capability']?.toString(), 'cap');
  assert.equal(parsePaxXattrs(rec('path', 'x')), undefined);
  assert.equal(parsePaxXattrs('garbage'), undefined);
});

test('a binary xattr value mangled by UTF-8 decoding is dropped, never applied misread', () => {
  const raw = Buffer.concat([Buffer.from('40 SCHILY.xattr.security.capability='), Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00]), Buffer.from('\n')]);
  assert.equal(raw.length, 48);
  const fixed = `48${raw.subarray(2).toString('latin1')}`; // correct length for the raw bytes
  const decoded = Buffer.from(fixed, 'latin1').toString('utf8'); // what node-tar hands over
  assert.equal(parsePaxXattrs(decoded)?.['security.capability'], undefined);
});
