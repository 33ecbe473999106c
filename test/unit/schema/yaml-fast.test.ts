// The fast values-only parser must give exactly yaml-tree.ts's tree (values, key order, !reset/!override
// markers), or refuse the file so the full parser reports the error with its position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseYamlFast } from '../../../schema/yaml-fast.ts';
import { parseYaml } from '../../../schema/yaml-tree.ts';
import { parseStackFile } from '../../../schema/parse-file.ts';
import { Tagged } from '../../../schema/tree.ts';
import { generateStack } from '../../../bench/config.ts';

const FIXTURES = new URL('../../fixtures/compose/', import.meta.url).pathname;

/** Same values AND same key order (deepEqual alone ignores the order). */
function assertSameTree(text: string): void {
  const slow = parseYaml(text, 'f.yaml');
  assert.equal(slow.problems.length, 0, `full parser refused: ${slow.problems[0]?.message}`);
  const fast = parseYamlFast(text);
  if (!fast) {
    // Refusing is only allowed for what the fast parser leaves to the full one on purpose.
    assert.ok(text.includes('!!') || /^%/m.test(text), 'fast parser refused a file the full parser reads');
    return;
  }
  assert.deepEqual(fast.tree, slow.parsed!.tree);
  assert.equal(order(fast.tree), order(slow.parsed!.tree));
  assert.equal(fast.tagged, slow.parsed!.tagged);
}

function order(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof Tagged ? { [`!${x.tag}`]: x.value } : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(n)) out.push(p);
  }
  return out;
}

test('every fixture stack file parses to the same tree on both paths', () => {
  const files = yamlFiles(FIXTURES);
  assert.ok(files.length >= 20, `only ${files.length} fixture files found`);
  for (const f of files) {
    try {
      assertSameTree(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
  }
});

test('the benchmark stack (anchors, merge keys, interpolation) parses the same on both paths', () => {
  assertSameTree(generateStack(50));
});

test('a big stack that merges into every service stays on the fast path (js-yaml\'s merge bound grows with the text)', () => {
  const fast = parseYamlFast(generateStack(3000));
  assert.ok(fast, 'refused: the load would fall back to the slow full parse');
  assert.equal(Object.keys(fast.tree.services as object).length, 3000);
  // a merge bomb is still refused (the full parser then decides)
  const bomb = ['a: &a {' + Array.from({ length: 50 }, (_, i) => `k${i}: 1`).join(', ') + '}', ...Array.from({ length: 400 }, (_, i) => `b${i}: {<<: [*a, *a, *a]}`)].join('\n');
  assert.equal(parseYamlFast(bomb), undefined);
});

test('an alias bomb is an error from the full parser, not a hang', () => {
  const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
  const r = parseStackFile(lines.join('\n') + '\n', 'bomb.yaml');
  assert.equal(r.parsed, undefined);
  assert.match(r.problems[0]!.message, /too many values/);
});

test('YAML 1.2 core scalars and compose octal read the same on both paths', () => {
  assertSameTree(
    'a: 0755\nb: 08\nc: 1_000\nd: +12\ne: -0x1F\nf: 0x1F\ng: 1e3\nh: .inf\ni: -.Inf\nj: .NaN\nk: 1.\nl: .5\nm: 0o17\nn: 0b11\n' +
      'o: 2001-12-14\np: =\nq: <<\nr: "<<"\ns: True\nt: NULL\nu: yes\nv: ~\nw:\nx: "0755"\ny: -0\nz: 12345678901234567890\n~: 1\n"": 2\n',
  );
  assertSameTree('a: !reset\nb: !reset null\nc: !override 8080\nd: !reset []\ne: !override {x: 1}\nf: !reset ""\n');
  assertSameTree('a: |\n  x\n   y\n\nb: >-\n  x\n  y\n\n  z\nc: "tab\\there\\u00e9"\nd: \'it\'\'s\'\ne: [1, "2", {f: g}]\n');
});

test('document markers, a byte-order mark, CRLF line ends, comments and complex keys read the same', () => {
  for (const t of ['---\na: 1\n', 'a: 1\n...\n', '\ufeffa: 1\n', 'a: 1\r\nb:\r\n  - x\r\n  - "y"\r\n', 'a: "x" # c & d\n', 'a:   # c\n  b: 1\n', '? complex\n: value\n', 'a: plain\n  continued\n', 'a: [1,2,]\n']) {
    assertSameTree(t);
  }
});

test('merge keys: explicit keys win wherever they stand, earlier sources beat later ones, key order kept', () => {
  assertSameTree('x: &a {p: 1, q: 1}\ny: &b {q: 2, r: 2}\nz: {r: 0, <<: [*a, *b], p: 9}\nw:\n  <<: *a\n  s: 3\n');
});

test('property: random mappings, printed by `yaml` in block and flow style, read the same', () => {
  const scalar = fc.oneof(
    fc.constantFrom('yes', 'no', 'on', 'off', '0755', '1_000', '0x1F', '-0x1F', '0o17', '1e3', '.inf', '~', '', 'null', 'true', 'False', '<<', '12', '-3.5', '2001-12-14', 'a: b', '- x', '#c', "it's", '"q"', 'multi\nline', ' pad ', '$VAR', '${X:-y}', 'é'),
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const key = fc.oneof(fc.constantFrom('image', 'ports', 'x-a', '1', 'true', 'null', 'a b', 'é'), fc.string({ minLength: 1, maxLength: 8 }));
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('node'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  })).map;
  fc.assert(
    fc.property(tree, fc.boolean(), (t, flow) => {
      const text = stringify(t, flow ? { collectionStyle: 'flow' } : {});
      assertSameTree(text);
    }),
    { numRuns: 300 },
  );
});

test('property: anchors, aliases and merge lists over overlapping keys read the same', () => {
  const k = fc.constantFrom('a', 'b', 'c', 'd');
  const m = fc.dictionary(k, fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('x', 'y')), { maxKeys: 4 });
  fc.assert(
    fc.property(m, m, m, m, fc.boolean(), (m1, m2, before, after, list) => {
      const flow = (o: object) => stringify(o, { collectionStyle: 'flow' }).trim();
      const body = [
        ...Object.entries(before).map(([x, v]) => `  ${x}: ${JSON.stringify(v)}`),
        list ? '  <<: [*m1, *m2]' : '  <<: *m1',
        ...Object.entries(after).map(([x, v]) => `  ${x}: ${JSON.stringify(v)}`),
      ];
      const dup = Object.keys(before).some((x) => x in after);
      const text = `x-1: &m1 ${flow(m1)}\nx-2: &m2 ${flow(m2)}\nt:\n${body.join('\n')}\nu: *m1\n`;
      if (dup) {
        // an explicit key written twice: both refuse the file
        assert.equal(parseYamlFast(text), undefined);
        assert.ok(parseYaml(text, 'f.yaml').problems.length > 0);
      } else {
        assertSameTree(text);
      }
    }),
    { numRuns: 300 },
  );
});

test('an alias is a copy: editing one use leaves the anchor and the other uses alone', () => {
  const fast = parseYamlFast('x: &a {env: {A: "1"}, l: [1]}\ns1: *a\ns2: {<<: *a}\n')!;
  const t = fast.tree as Record<string, { env: Record<string, string>; l: number[] }>;
  t.s1!.env.A = 'changed';
  t.s2!.l.push(2);
  assert.equal(t.x!.env.A, '1');
  assert.deepEqual(t.x!.l, [1]);
  assert.equal(t.s2!.env.A, '1');
});

test('what the fast parser is not sure of is left to the full parser, which gives the positioned error', () => {
  for (const [text, line] of [
    ['a: 1\nb: 2\na: 3\n', 3], // duplicate key
    ['a: 1\n---\nb: 2\n', 2], // several documents
    ['a: !custom x\n', undefined], // unknown tag: `yaml` only warns, the value stays a string
    ['a: [1, 2\n', 2], // syntax error
    ['a: *nope\n', 1], // unknown alias
    ['x: &a 1\nt: {<<: *a}\n', 2], // merge of a scalar
  ] as const) {
    assert.equal(parseYamlFast(text), undefined, text);
    const r = parseStackFile(text, 'c.yaml');
    const slow = parseYaml(text, 'c.yaml');
    assert.deepEqual(r, slow, text);
    if (line !== undefined) assert.equal(r.problems[0]?.origin?.line, line, text);
  }
  assert.equal(parseYamlFast('a: !!str 5\n'), undefined);
  assert.deepEqual(parseStackFile('a: !!str 5\n', 'c.yaml').parsed!.tree, { a: '5' });
  assert.equal(parseYamlFast('%YAML 1.2\n---\na: 1\n'), undefined);
});

test('the happy path defers origins: they are the full parser\'s, computed on first read', () => {
  const text = 'services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n';
  const r = parseStackFile(text, 'c.yaml');
  assert.equal(r.problems.length, 0);
  assert.deepEqual(r.parsed!.origins.get('services.web.ports[0]'), { file: 'c.yaml', line: 5, col: 9 });
  assert.deepEqual([...r.parsed!.origins], [...parseYaml(text, 'c.yaml').parsed!.origins]);
});
