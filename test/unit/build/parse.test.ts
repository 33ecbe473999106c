// Dockerfile parsing: stages, line numbers, flags, heredocs, errors with their line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, splitHeredocs } from '../../../executor/build/parse.ts';
import { BuildError } from '../../../executor/build/errors.ts';

test('stages, global args, flags and continuation lines, with 1-based lines', () => {
  const p = parseDockerfile([
    '# syntax=docker/dockerfile:1',
    'ARG BASE=alpine',
    'FROM ${BASE} AS Build',
    'RUN --mount=type=cache,target=/c echo a && \\',
    '    echo b',
    'FROM scratch',
    'COPY --from=build --chown=1:2 /a /b',
  ].join('\n'));
  assert.equal(p.globalArgs.length, 1);
  assert.equal(p.stages.length, 2);
  assert.equal(p.stages[0]!.name, 'build', 'stage names are case-insensitive');
  const run = p.stages[0]!.body[0]!;
  assert.equal(run.line, 4);
  assert.equal(run.endLine, 5);
  assert.deepEqual(run.flags, [{ name: 'mount', value: 'type=cache,target=/c' }]);
  assert.match(run.args, /^echo a &&\s+echo b$/);
  const copy = p.stages[1]!.body[0]!;
  assert.equal(copy.line, 7);
  assert.deepEqual(copy.flags.map((f) => f.name), ['from', 'chown']);
});

test('heredocs: bodies apart from the command line, <<- strips tabs, quoted names do not expand', () => {
  const p = parseDockerfile('FROM x\nRUN <<EOF\necho hi\nEOF\nCOPY <<-A <<"B" /dst/\n\taa\nA\n$b\nB\nCMD x\n');
  const [run, copy, cmd] = p.stages[0]!.body;
  assert.equal(run!.args, '<<EOF');
  assert.deepEqual(run!.heredocs, [{ name: 'EOF', body: 'echo hi\n', chomp: false, expand: true }]);
  assert.deepEqual(copy!.heredocs.map((h) => [h.name, h.body, h.expand]), [['A', 'aa\n', true], ['B', '$b\n', false]]);
  assert.equal(cmd!.line, 10);
  assert.throws(() => splitHeredocs('<<EOF\nno end', 'Dockerfile', 3), (e: unknown) => e instanceof BuildError && e.line === 3);
});

test('errors name the file and line', () => {
  const cases: [string, RegExp][] = [
    ['FROM x\nRUNN y\n', /^Dockerfile:2: unknown instruction "RUNN"/],
    ['RUN x\nFROM y\n', /^Dockerfile:1: no build stage/],
    ['FROM a AS x\nFROM b AS x\n', /^Dockerfile:2: duplicate stage name/],
    ['FROM a b\n', /^Dockerfile:1: FROM requires/],
    ['FROM a\nWORKDIR\n', /^Dockerfile:2: WORKDIR requires at least one argument/],
    ['# only a comment\n', /no FROM/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseDockerfile(text), (e: unknown) => e instanceof BuildError && re.test(e.message), text);
  }
});
