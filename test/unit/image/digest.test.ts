import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainIds, hexOf, sha256 } from '../../../executor/image/digest.ts';

const h = (s: string) => 'sha256:' + createHash('sha256').update(s).digest('hex');

test('the chain ID of the first layer is its diff ID, later ones hash the chain', () => {
  const [a, b, c] = [h('a'), h('b'), h('c')];
  const chain = chainIds([a, b, c]);
  assert.equal(chain[0], a);
  assert.equal(chain[1], h(`${a} ${b}`));
  assert.equal(chain[2], h(`${chain[1]} ${c}`));
  assert.deepEqual(chainIds([]), []);
});

test('the same diff ID on a different base gives a different chain ID', () => {
  const [a, b, c] = [h('a'), h('b'), h('c')];
  assert.notEqual(chainIds([a, c])[1], chainIds([b, c])[1]);
});

test('only well-formed sha256 digests become file names', () => {
  assert.equal(hexOf(sha256('x')), createHash('sha256').update('x').digest('hex'));
  for (const bad of ['sha256:../../etc', 'sha512:' + 'a'.repeat(64), 'a'.repeat(64), 'sha256:' + 'A'.repeat(64)]) {
    assert.throws(() => hexOf(bad), /not a sha256 digest/, bad);
  }
});
