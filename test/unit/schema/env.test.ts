import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnv, EnvFileError } from '../../../schema/env.ts';

test('KEY=VALUE lines, export prefix, comments and blank lines', () => {
  assert.deepEqual(parseEnv('# comment\nA=1\n\nexport B=two\nC = spaced  \nD=x # inline\nE=x#not-a-comment\n'), {
    A: '1', B: 'two', C: 'spaced', D: 'x', E: 'x#not-a-comment',
  });
});

test('single quotes are literal, double quotes take escapes and interpolation', () => {
  const env = parseEnv(`A='$HOME\\n'\nB="line1\\nline2 \\"q\\" \${A}"\nC="\\$literal"\n`, { lookup: () => undefined });
  assert.equal(env.A, '$HOME\\n');
  assert.equal(env.B, 'line1\nline2 "q" $HOME\\n');
  assert.equal(env.C, '$literal');
});

test('a double-quoted value may span lines', () => {
  assert.deepEqual(parseEnv('KEY="a\nb"\nNEXT=1\n'), { KEY: 'a\nb', NEXT: '1' });
});

test('values interpolate from earlier lines, then from the lookup', () => {
  const env = parseEnv('HOST=db\nURL=postgres://${HOST}:${PORT:-5432}/${NAME}\n', { lookup: (k) => (k === 'NAME' ? 'app' : undefined) });
  assert.equal(env.URL, 'postgres://db:5432/app');
});

test('YAML-style KEY: VALUE lines are accepted, as compose does', () => {
  assert.deepEqual(parseEnv('A: 1\nB.c-d=2\n'), { A: '1', 'B.c-d': '2' });
});

test('a bare KEY takes its value from the lookup and is skipped when unset', () => {
  assert.deepEqual(parseEnv('FROM_SHELL\nNOT_SET\n', { lookup: (k) => (k === 'FROM_SHELL' ? 'yes' : undefined) }), { FROM_SHELL: 'yes' });
});

test('raw format keeps values exactly as written', () => {
  assert.deepEqual(parseEnv('A="quoted" ${X}\n', { raw: true }), { A: '"quoted" ${X}' });
});

test('invalid names and unterminated quotes are errors with the line', () => {
  assert.throws(() => parseEnv('OK=1\nBAD$=2\n'), (e: unknown) => e instanceof EnvFileError && e.line === 2);
  assert.throws(() => parseEnv('A="open\n'), EnvFileError);
});
