// Dockerfile word processing: quotes, escapes and variable expansion as BuildKit's shell lexer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processWords, processWord, parsePairs, parseJsonArray, WordError } from '../../../executor/build/words.ts';

const vars = (m: Record<string, string>) => (n: string) => m[n];

test('expands $VAR and ${VAR}; single quotes keep text literal, double quotes keep one word', () => {
  const v = vars({ A: 'x y', B: 'b' });
  assert.deepEqual(processWords('$A ${B}c \'$A\' "$A z"', v), ['x', 'y', 'bc', '$A', 'x y z']);
  assert.equal(processWord('/srv/$B/ ${B}', v), '/srv/b/ b');
});

test('the ${VAR:-default} family', () => {
  const v = vars({ SET: 'v', EMPTY: '' });
  assert.deepEqual(processWords('${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d}x ${SET:+alt} ${UNSET:+alt}x ${SET+a}', v), ['v', 'd', 'd', 'x', 'alt', 'x', 'a']);
  assert.throws(() => processWords('${UNSET:?must be set}', v), (e: unknown) => e instanceof WordError && /must be set/.test(e.message));
  assert.throws(() => processWords('"unterminated', v), WordError);
});

test('escapes: the escape char keeps the next char, a lone $ stays', () => {
  assert.deepEqual(processWords('a\\ b \\$A $ "q\\"q"', vars({ A: 'no' })), ['a b', '$A', '$', 'q"q']);
  assert.deepEqual(processWords('a` b', vars({}), { escape: '`' }), ['a b']);
});

test('ENV/LABEL pairs: key=value forms, quoted values, the legacy one-pair form', () => {
  const v = vars({ X: '1' });
  assert.deepEqual(parsePairs('A=$X B="two words" C=\'$X\'', v), [['A', '1'], ['B', 'two words'], ['C', '$X']]);
  assert.deepEqual(parsePairs('KEY value with $X', v, { legacy: true }), [['KEY', 'value with 1']]);
  assert.deepEqual(parsePairs('NAME OTHER=2', v, { allowBare: true }), [['NAME', undefined], ['OTHER', '2']]);
  assert.deepEqual(parsePairs('S=$SP', vars({ SP: 'a  b' })), [['S', 'a  b']], 'a value is one word, never split');
  assert.throws(() => parsePairs('A=1 B', v), WordError);
});

test('exec form is a JSON array of strings, anything else is shell form', () => {
  assert.deepEqual(parseJsonArray('["sh", "-c", "x"]'), ['sh', '-c', 'x']);
  assert.equal(parseJsonArray('[not json]'), undefined);
  assert.equal(parseJsonArray('["a", 1]'), undefined);
  assert.equal(parseJsonArray('echo [x]'), undefined);
});
