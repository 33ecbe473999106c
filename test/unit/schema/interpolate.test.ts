import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { interpolateString, interpolateTree, InterpolationError } from '../../../schema/interpolate.ts';

const env: Record<string, string> = { SET: 'value', EMPTY: '', N: '3' };
const lookup = (k: string) => env[k];
const I = (s: string, missing?: string[]) => interpolateString(s, { lookup, onMissing: (n) => missing?.push(n) });

test('$VAR and ${VAR} are replaced; $$ is a literal dollar', () => {
  assert.equal(I('a $SET b ${SET}c'), 'a value b valuec');
  assert.equal(I('cost: $$5 $${SET}'), 'cost: $5 ${SET}');
});

test('defaults: ":-" for unset or empty, "-" for unset only', () => {
  assert.equal(I('${UNSET:-d}|${EMPTY:-d}|${SET:-d}'), 'd|d|value');
  assert.equal(I('${UNSET-d}|${EMPTY-d}|${SET-d}'), 'd||value');
});

test('alternatives: ":+" when set and not empty, "+" when set', () => {
  assert.equal(I('${UNSET:+a}|${EMPTY:+a}|${SET:+a}'), '||a');
  assert.equal(I('${UNSET+a}|${EMPTY+a}|${SET+a}'), '|a|a');
});

test('required: ":?" and "?" fail with the message', () => {
  assert.throws(() => I('${UNSET:?set it please}'), (e: unknown) => e instanceof InterpolationError && /UNSET.*set it please/.test(e.message));
  assert.throws(() => I('${EMPTY:?x}'), InterpolationError);
  assert.equal(I('${EMPTY?x}'), '');
});

test('defaults nest and are only evaluated when used', () => {
  const missing: string[] = [];
  assert.equal(I('${UNSET:-${ALSO_UNSET:-${SET}}}', missing), 'value');
  assert.deepEqual(missing, []);
  assert.equal(I('${SET:-${NEVER}}', missing), 'value');
  assert.deepEqual(missing, []);
});

test('a missing variable becomes empty and is reported', () => {
  const missing: string[] = [];
  assert.equal(I('[$NOPE]', missing), '[]');
  assert.deepEqual(missing, ['NOPE']);
});

test('malformed templates are errors; a "$" that starts no template stays as written', () => {
  for (const bad of ['${', '${}', '${A!}', '${1A}']) assert.throws(() => I(bad), InterpolationError, bad);
  assert.equal(I('echo $1 costs 5$ or $-'), 'echo $1 costs 5$ or $-');
});

test('trees interpolate values, not keys, and collect every problem with its key path', () => {
  const problems: { keyPath: string; message: string }[] = [];
  const out = interpolateTree({ services: { web: { image: '$SET', '$KEY': 1, command: ['${UNSET:?no}', '$$'] } } }, { lookup }, '', problems);
  assert.deepEqual(out, { services: { web: { image: 'value', '$KEY': 1, command: ['${UNSET:?no}', '$'] } } });
  assert.deepEqual(problems.map((p) => p.keyPath), ['services.web.command[0]']);
});

test('property: strings without "$" are unchanged', () => {
  fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => I(s) === s));
});

test('property: doubling every "$" escapes any string exactly', () => {
  fc.assert(fc.property(fc.string(), (s) => I(s.replaceAll('$', () => '$$')) === s));
});

test('property: ${X:-d} gives the value when set and not empty, else d', () => {
  const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/);
  const text = fc.string().filter((s) => !s.includes('$') && !s.includes('}'));
  fc.assert(fc.property(name, fc.option(text), text, (n, v, d) => {
    const got = interpolateString(`\${${n}:-${d}}`, { lookup: (k) => (k === n && v !== null ? v : undefined) });
    return got === (v ? v : d);
  }));
});

test('!override and !reset values are interpolated too', async () => {
  const { Tagged } = await import('../../../schema/yaml-tree.ts');
  const tree = { a: new Tagged('override', '$SET'), b: [new Tagged('override', ['${SET}'])] };
  interpolateTree(tree, { lookup });
  assert.deepEqual(tree, { a: new Tagged('override', 'value'), b: [new Tagged('override', ['value'])] });
});
