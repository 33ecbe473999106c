// Intent: build progress as a user reads it. Plain mode (CI) prints one line per step event
// (`[web 3/7] RUN npm ci`, `CACHED`, `DONE 1.2s`, numbered per stage as BuildKit does, so a
// stage's label tells same-numbered steps apart) and each RUN output line labelled with its step,
// never an escape sequence; quiet mode prints nothing; JSON mode one
// object per event. `--build-arg K` takes K from the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createBuildProgress, stepLabel, stepLine, serviceLine } from '../../../cli/build-progress.ts';
import { parseBuildArgs } from '../../../cli/commands/build-run.ts';
import type { BuildEvent, BuildResult } from '../../../executor/build/build.ts';

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => { text += d.toString(); });
  return { s, text: () => text };
}
const step = (n: number, state: 'running' | 'cached' | 'done' | 'failed', text: string, extra: Partial<BuildEvent> = {}): BuildEvent =>
  ({ type: 'step', name: 'web', stage: '', step: n, total: 4, text, line: n + 1, state, ...extra }) as BuildEvent;
const result = { image: { ref: 'docker.io/library/shop-web:latest', id: 'sha256:x' }, refs: ['docker.io/library/shop-web:latest'], steps: 4, cached: 2 } as unknown as BuildResult;

test('labels: [service step/total], the stage shown unless lone or named like the service', () => {
  assert.equal(stepLabel({ name: 'web', stage: '', step: 3, total: 7 }), '[web 3/7]');
  assert.equal(stepLabel({ name: 'web', stage: 'builder', step: 2, total: 7 }), '[web builder 2/7]');
  assert.equal(stepLabel({ name: 'web', stage: 'stage-1', step: 2, total: 3 }), '[web stage-1 2/3]');
  assert.equal(stepLabel({ name: 'web', stage: 'web', step: 2, total: 7 }), '[web 2/7]');
  assert.equal(stepLine(step(2, 'cached', 'COPY a b') as never, false), '[web 2/4] CACHED COPY a b');
  assert.equal(stepLine(step(3, 'failed', 'RUN false') as never, true), '[web 3/4] ERROR RUN false (line 4)');
  assert.equal(serviceLine('web', result, 3400, false), '✔ web built in 3.4s (4 steps, 2 cached) → shop-web:latest');
});

test('plain: a line per step event and per output line, no escape sequences', async () => {
  const o = sink();
  const p = createBuildProgress('plain', o.s as unknown as NodeJS.WriteStream, ['web']);
  p.service({ service: 'web', state: 'start', ms: 0 });
  p.event(step(1, 'running', 'FROM docker.io/tscompose-test/busybox:latest'));
  p.event(step(1, 'done', 'FROM docker.io/tscompose-test/busybox:latest', { durationMs: 10 }));
  p.event(step(2, 'running', 'RUN echo hi', { stage: 'builder', total: 2 }));
  p.event(step(2, 'running', 'RUN echo hi'));
  p.event({ type: 'output', name: 'web', stage: '', step: 2, stream: 'stdout', line: 'hi' });
  p.event({ type: 'output', name: 'web', stage: 'builder', step: 2, stream: 'stdout', line: 'from builder' });
  p.event(step(2, 'done', 'RUN echo hi', { durationMs: 1234 }));
  p.service({ service: 'web', state: 'done', result, ms: 3400 });
  await p.done();
  assert.equal(o.text(), [
    '[web 1/4] FROM docker.io/tscompose-test/busybox:latest',
    '[web 1/4] DONE 0.0s',
    '[web builder 2/2] RUN echo hi',
    '[web 2/4] RUN echo hi',
    '[web 2/4] | hi',
    '[web builder 2/2] | from builder',
    '[web 2/4] DONE 1.2s',
    '✔ web built in 3.4s (4 steps, 2 cached) → shop-web:latest',
    '',
  ].join('\n'));
  assert.doesNotMatch(o.text(), /\x1b/);
});

test('quiet: nothing at all (a failed RUN\'s output comes with the engine\'s error)', async () => {
  const o = sink();
  const p = createBuildProgress('quiet', o.s as unknown as NodeJS.WriteStream, ['web']);
  p.event(step(3, 'running', 'RUN make'));
  p.event({ type: 'output', name: 'web', stage: '', step: 3, stream: 'stderr', line: 'make: *** no rule' });
  p.event(step(3, 'failed', 'RUN make'));
  p.service({ service: 'web', state: 'failed', error: new Error('x'), ms: 1 });
  await p.done();
  assert.equal(o.text(), '');
});

test('json: one object per event', async () => {
  const o = sink();
  const p = createBuildProgress('json', o.s as unknown as NodeJS.WriteStream, ['web']);
  p.event(step(1, 'running', 'RUN x'));
  p.service({ service: 'web', state: 'done', result, ms: 10 });
  await p.done();
  const lines = o.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!.text, 'RUN x');
  assert.equal(lines[1]!.type, 'service');
  assert.equal(lines[1]!.cached, 2);
});

test('--build-arg: K=V, K=, and K alone from the environment (dropped when unset)', () => {
  assert.deepEqual(parseBuildArgs(['A=1', 'B=', 'C', 'D', 'E=x=y'], { C: 'env' }), { A: '1', B: '', C: 'env', E: 'x=y' });
  assert.throws(() => parseBuildArgs(['=v'], {}), /--build-arg/);
});

test('tty (listr2): a note while a build runs goes to its task, done() finishes open tasks, later notes go straight out', async () => {
  const o = sink();
  const p = createBuildProgress('tty', o.s as unknown as NodeJS.WriteStream, ['web', 'db']);
  p.service({ service: 'web', state: 'start', ms: 0 });
  p.event(step(2, 'running', 'RUN echo hi'));
  p.note('warning: while building');
  p.service({ service: 'web', state: 'done', result, ms: 3400 });
  await p.done(); // db never started: done() must not wait for it
  p.note('after the builds');
  await new Promise((r) => setImmediate(r));
  const text = o.text();
  assert.match(text, /web built in 3\.4s \(4 steps, 2 cached\) → shop-web:latest/);
  assert.ok(text.endsWith('after the builds\n'), JSON.stringify(text.slice(-80)));
  const warned = text.indexOf('warning: while building');
  assert.ok(warned >= 0 && warned < text.indexOf('after the builds'), text);
});
