import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from '../../../executor/image/changes.ts';
import { ImageError } from '../../../executor/image/errors.ts';

test('CMD and ENTRYPOINT take the JSON form as is and wrap the shell form in sh -c', () => {
  const c = applyChanges({}, ['CMD ["echo", "hi"]', 'ENTRYPOINT run --fast']);
  assert.deepEqual(c.Cmd, ['echo', 'hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', 'run --fast']);
});

test('ENV adds or replaces variables, in KEY=value (quoted) and legacy KEY value forms', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=0'] }, ['ENV A=1 B="two words"', 'ENV C legacy value']);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=1', 'B=two words', 'C=legacy value']);
});

test('WORKDIR, USER, EXPOSE, LABEL, VOLUME and STOPSIGNAL set their config fields', () => {
  const c = applyChanges({}, ['WORKDIR /app', 'USER 1000:1000', 'EXPOSE 80 53/udp', 'LABEL a=b', 'VOLUME ["/data"]', 'STOPSIGNAL SIGINT']);
  assert.equal(c.WorkingDir, '/app');
  assert.equal(c.User, '1000:1000');
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Labels, { a: 'b' });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
});

test('instructions import cannot apply are typed errors', () => {
  assert.throws(() => applyChanges({}, ['RUN make']), (e) => e instanceof ImageError && e.code === 'BAD_CHANGE');
  assert.throws(() => applyChanges({}, ['CMD']), ImageError);
});
