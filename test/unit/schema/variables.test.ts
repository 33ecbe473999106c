// config --variables: compose-go's ExtractVariables rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractVariables, variablesOf } from '../../../schema/variables.ts';

const v = (name: string, o: { d?: string; p?: string; r?: boolean } = {}) => ({ name, defaultValue: o.d ?? '', presenceValue: o.p ?? '', required: o.r ?? false });

test('each template form gives its name and what it says', () => {
  assert.deepEqual(variablesOf('$bar'), [v('bar')]);
  assert.deepEqual(variablesOf('${bar}'), [v('bar')]);
  assert.deepEqual(variablesOf('${bar:?msg}'), [v('bar', { r: true })]);
  assert.deepEqual(variablesOf('${bar?msg}'), [v('bar', { r: true })]);
  assert.deepEqual(variablesOf('${bar:-foo}'), [v('bar', { d: 'foo' })]);
  assert.deepEqual(variablesOf('${bar-foo}'), [v('bar', { d: 'foo' })]);
  assert.deepEqual(variablesOf('${bar:+foo}'), [v('bar', { p: 'foo' })]);
  assert.deepEqual(variablesOf('${bar+foo}'), [v('bar', { p: 'foo' })]);
  assert.deepEqual(variablesOf('${SUBDOMAIN:-redis}.${ROOTDOMAIN:?}'), [v('SUBDOMAIN', { d: 'redis' }), v('ROOTDOMAIN', { r: true })]);
  assert.deepEqual(variablesOf('$docker:${project:-cli}'), [v('docker'), v('project', { d: 'cli' })]);
});

test('$$ is a literal dollar; a $ that starts no template is text', () => {
  assert.deepEqual(variablesOf('$$HOME costs 5$ and $1'), []);
  assert.deepEqual(variablesOf('$$$X'), [v('X')]);
});

test('variables nested in a default, an alternate value or an error message count', () => {
  assert.deepEqual(variablesOf('${SUBDOMAIN:-$ROOTDOMAIN}'), [v('SUBDOMAIN', { d: '$ROOTDOMAIN' }), v('ROOTDOMAIN')]);
  assert.deepEqual(variablesOf('${A:-${B:-x}}'), [v('A', { d: '${B:-x}' }), v('B', { d: 'x' })]);
  assert.deepEqual(variablesOf('${A:?${MSG}}'), [v('A', { r: true }), v('MSG')]);
  assert.deepEqual(variablesOf('${A:+$ALT}'), [v('A', { p: '$ALT' }), v('ALT')]);
});

test('a tree: string values only (not keys), every level; repeated names combine', () => {
  const m = extractVariables({
    foo: '${bar:-foo}',
    bar: { '${KEY}': '${fruit:-banana}', n: 3, t: true, z: null },
    baz: ['foo', '$docker:${project:-cli}', '$toto'],
    again: ['${bar}', '${bar:?needed}', '${bar:+alt}', '${bar:-other}'],
  });
  assert.deepEqual([...m.keys()].sort(), ['bar', 'docker', 'fruit', 'project', 'toto']);
  // required as soon as one use requires it; the first default and alternate written are kept
  assert.deepEqual(m.get('bar'), v('bar', { d: 'foo', p: 'alt', r: true }));
  assert.deepEqual(m.get('fruit'), v('fruit', { d: 'banana' }));
});

test('several trees add into one map', () => {
  const m = extractVariables({ a: '${X}' });
  extractVariables({ b: '${X:-d}', c: '$Y' }, m);
  assert.deepEqual(m.get('X'), v('X', { d: 'd' }));
  assert.ok(m.has('Y'));
});
