// Config-only instructions and ARG scoping (pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../executor/build/parse.ts';
import { applyMeta, declareArgs, globalArgs, runEnv, resolveWorkdir, parseDuration, commandOf, hashKey, MetaError, type StageState } from '../../../executor/build/state.ts';

const empty = (): StageState => ({ key: hashKey('t'), diffIds: [], layers: [], config: {}, history: [], created: '', args: {} });
function apply(lines: string[], st = empty()): StageState {
  const stage = parseDockerfile(`FROM scratch\n${lines.join('\n')}\n`).stages[0]!;
  for (const ins of stage.body) {
    if (ins.keyword === 'ARG') { declareArgs(st.args, ins.args, {}, {}, '\\'); continue; }
    st = { ...st, config: applyMeta(ins, st, '\\')! };
  }
  return st;
}

test('global ARGs: build args override defaults; a stage sees one only after re-declaring it', () => {
  const p = parseDockerfile('ARG A=1\nARG B=$A-x\nARG C\nFROM scratch\n');
  const g = globalArgs(p.globalArgs, { A: '9', C: null }, '\\');
  assert.equal(g.A, '9');
  assert.equal(g.B, '9-x', 'later global defaults see earlier ones');
  assert.equal(g.C, undefined, 'null = declared without value');
  assert.equal(g.TARGETARCH, 'amd64');
  const scope: Record<string, string | undefined> = {};
  declareArgs(scope, 'A B=own', {}, g, '\\');
  assert.deepEqual(scope, { A: '9', B: 'own' });
});

test('ENV wins over ARG in expansion and in RUN env; proxy args pass without ARG; args stay out of the config', () => {
  const st = apply(['ARG V=fromarg', 'ARG ONLY=a', 'ENV V=fromenv X=${V}-${ONLY}']);
  assert.deepEqual(st.config.Env, ['V=fromenv', 'X=fromarg-a']);
  assert.deepEqual(runEnv(st, { HTTP_PROXY: 'http://p:3128', OTHER: 'no' }), ['V=fromenv', 'X=fromarg-a', 'ONLY=a', 'HTTP_PROXY=http://p:3128']);
});

test('metadata instructions', () => {
  const st = apply([
    'WORKDIR /a', 'WORKDIR b/../c', 'USER app:app', 'EXPOSE 80 53/UDP 1000-1002', 'LABEL a=1 "b c"=2', 'VOLUME ["/v1", "/v2"]',
    'STOPSIGNAL SIGINT', 'SHELL ["/bin/bash", "-c"]', 'CMD echo $HOME', 'ONBUILD RUN echo child',
    'HEALTHCHECK --interval=1m30s --timeout=2s --start-period=500ms --retries=3 CMD ["curl", "-f", "x"]',
  ]);
  const c = st.config;
  assert.equal(c.WorkingDir, '/a/c');
  assert.equal(c.User, 'app:app');
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '1000-1002/tcp']);
  assert.deepEqual(c.Labels, { a: '1', 'b c': '2' });
  assert.deepEqual(Object.keys(c.Volumes!), ['/v1', '/v2']);
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Cmd, ['/bin/bash', '-c', 'echo $HOME'], 'shell form goes through SHELL');
  assert.deepEqual(c.OnBuild, ['RUN echo child']);
  assert.deepEqual(c.Healthcheck, { Test: ['CMD', 'curl', '-f', 'x'], Interval: 90e9, Timeout: 2e9, StartPeriod: 5e8, Retries: 3 });
  const e = apply(['CMD ["a"]', 'ENTRYPOINT ["b"]']);
  assert.equal(e.config.Cmd, null, 'ENTRYPOINT resets CMD');
  assert.deepEqual(apply(['HEALTHCHECK NONE']).config.Healthcheck, { Test: ['NONE'] });
  assert.throws(() => apply(['EXPOSE http']), MetaError);
  assert.throws(() => apply(['SHELL /bin/bash']), MetaError);
  assert.throws(() => apply(['ONBUILD FROM x']), MetaError);
});

test('helpers: workdir resolution, durations, command forms, cache keys', () => {
  assert.equal(resolveWorkdir(undefined, 'x'), '/x');
  assert.equal(resolveWorkdir('/a/b', '../../..'), '/');
  assert.equal(parseDuration('1h2m3s'), 3723e9);
  assert.equal(parseDuration('abc'), undefined);
  assert.deepEqual(commandOf('echo hi', undefined), { argv: ['/bin/sh', '-c', 'echo hi'], exec: false });
  assert.deepEqual(commandOf('["echo","hi"]', undefined), { argv: ['echo', 'hi'], exec: true });
  assert.equal(hashKey('a', 'b'), hashKey('a', 'b'));
  assert.notEqual(hashKey('a', 'b'), hashKey('a\nb'.replace('\n', ''), ''));
});
