import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, decodeParsed, encodeParsed } from '../../../schema/parse-cache.ts';
import type { ParseCacheStore } from '../../../schema/parse-cache.ts';
import { parseYaml, Tagged } from '../../../schema/yaml-tree.ts';
import { stack } from './stack.ts';

test('a parsed file survives encode/decode with its !reset/!override markers; origins come from the text', () => {
  const text = 'services:\n  a:\n    ports: !reset []\n    command: !override [x]\n    image: y\n';
  const { parsed } = parseYaml(text, 'f.yaml');
  const back = decodeParsed(encodeParsed(parsed!), 'f.yaml', text)!;
  assert.deepEqual(back.origins, parsed!.origins);
  assert.deepEqual(back.origins.get('services.a.image'), { file: 'f.yaml', line: 5, col: 5 });
  const a = (back.tree.services as Record<string, Record<string, unknown>>).a!;
  assert.ok(a.ports instanceof Tagged && a.ports.tag === 'reset');
  assert.deepEqual(a.command, new Tagged('override', ['x']));
  assert.equal(back.tagged, true);
});

test('the key changes with the text; a corrupt entry is a miss', () => {
  assert.notEqual(cacheKey('a: 1\n'), cacheKey('a: 2\n'));
  assert.equal(decodeParsed('{not json', 'f', ''), undefined);
  assert.equal(decodeParsed('{"v":999,"tree":{}}', 'f', ''), undefined);
});

test('loading a big file fills the cache once, then reads it instead of parsing', () => {
  const big = 'services:\n' + Array.from({ length: 400 }, (_, i) => `  s${i}:\n    image: "img:\${TAG:-1}"\n    environment: {N: "${i}"}\n`).join('');
  const s = stack({ 'compose.yaml': big });
  const store = new Map<string, string>();
  let gets = 0;
  const cache: ParseCacheStore = { get: (k) => (gets++, store.get(k)), set: (k, v) => void store.set(k, v) };
  try {
    const first = s.load({ parseCache: cache });
    assert.equal(store.size, 1);
    const second = s.load({ parseCache: cache, env: { TAG: '2' } });
    assert.equal(gets, 2);
    assert.equal(first.services.s7!.image, 'img:1');
    assert.equal(second.services.s7!.image, 'img:2', 'interpolation runs after the cache');
    assert.deepEqual(second.origins.get('services.s7.image'), first.origins.get('services.s7.image'));
  } finally {
    s.cleanup();
  }
});
