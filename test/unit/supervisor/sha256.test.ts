// planner/sha256.ts: the pure-JS sha256 a supervisor uses gives node:crypto's digests (config hashes
// and link names recorded by one process are compared by the other), for any text or bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { smallSha256Hex, nodeSha256Hex, SMALL_MAX } from '../../../planner/sha256.ts';
import { randomHex } from '../../../executor/sys/random.ts';

const ref = (d: Uint8Array | string) => createHash('sha256').update(d).digest('hex');

test('small and node sha256 match the reference for any string (UTF-8, lone surrogates) and bytes', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
    assert.equal(smallSha256Hex(s), ref(s));
    assert.equal(nodeSha256Hex(s), ref(s));
  }));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
    assert.equal(smallSha256Hex(b), ref(b));
    assert.equal(nodeSha256Hex(b), ref(b));
  }));
  // Padding edges (55/56/64 bytes) and the size where a supervisor switches over.
  for (const n of [0, 55, 56, 63, 64, 65, SMALL_MAX, SMALL_MAX + 1]) {
    const b = new Uint8Array(n).map((_, i) => i * 7);
    assert.equal(smallSha256Hex(b), ref(b), `${n} bytes`);
  }
  assert.equal(smallSha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('randomHex gives 2 × n lower-case hex characters, different each call', () => {
  for (const n of [1, 4, 6, 32]) assert.match(randomHex(n), new RegExp(`^[0-9a-f]{${2 * n}}$`));
  const ids = new Set(Array.from({ length: 100 }, () => randomHex(32)));
  assert.equal(ids.size, 100);
});
