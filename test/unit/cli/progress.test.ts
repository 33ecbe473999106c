import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, lineOf, progressMode } from '../../../cli/progress.ts';

function sink() {
  const out: string[] = [];
  return { out, stream: { write: (s: string) => { out.push(s); return true; }, isTTY: false } as unknown as NodeJS.WriteStream };
}

test('CI=true or no TTY gives plain progress; an explicit --progress wins', () => {
  const saved = process.env.CI;
  process.env.CI = 'true';
  try {
    assert.equal(progressMode('auto', { isTTY: true } as NodeJS.WriteStream), 'plain');
    assert.equal(progressMode('json', { isTTY: true } as NodeJS.WriteStream), 'json');
    delete process.env.CI;
    assert.equal(progressMode(undefined, { isTTY: false } as NodeJS.WriteStream), 'plain');
    assert.equal(progressMode(undefined, { isTTY: true } as NodeJS.WriteStream), 'tty');
  } finally {
    if (saved === undefined) delete process.env.CI; else process.env.CI = saved;
  }
});

test('plain progress prints one line per event in compose\'s words and never repaints', () => {
  const s = sink();
  const p = createProgress('plain', s.stream);
  p.event({ time: 't', type: 'container', action: 'created', name: 'p-web-1' });
  p.event({ time: 't', type: 'network', action: 'network-create', name: 'p_default' });
  p.event({ time: 't', type: 'container', action: 'exited', name: 'p-m-1', exitCode: 3 });
  assert.deepEqual(s.out, [' Container p-web-1  Created\n', ' Network p_default  Creating\n', ' Container p-m-1  Exited (exit code 3)\n']);
  assert.equal(s.out.join('').includes('\x1b'), false);
});

test('json progress is one JSON object a line; quiet prints nothing', () => {
  const s = sink();
  createProgress('json', s.stream).event({ time: 't', type: 'container', action: 'started', name: 'a' });
  assert.deepEqual(JSON.parse(s.out[0]!), { time: 't', type: 'container', action: 'started', name: 'a' });
  const q = sink();
  createProgress('quiet', q.stream).event({ time: 't', type: 'container', action: 'started', name: 'a' });
  assert.deepEqual(q.out, []);
  assert.equal(lineOf({ time: 't', type: 'container', action: 'waiting', name: 'db', detail: 'waiting db healthy 0/1' }), ' Container db  Waiting (waiting db healthy 0/1)');
});

test('a plan becomes one listr2 task per resource, finished by the event that completes it', async () => {
  const { resourcesOfPlan } = await import('../../../cli/progress.ts');
  const r = resourcesOfPlan([
    { type: 'createNetwork', kind: 'network', resource: 'p_default' },
    { type: 'create', kind: 'container', resource: 'p-web-1' },
    { type: 'start', kind: 'container', resource: 'p-web-1' },
    { type: 'keep', kind: 'container', resource: 'p-db-1' },
  ]);
  assert.deepEqual(r.map((x) => [x.type, x.name, x.until ?? null]), [
    ['network', 'p_default', 'network-created'], ['container', 'p-web-1', 'started'], ['container', 'p-db-1', null],
  ]);
  const s = sink();
  const p = createProgress('tty', s.stream, r);
  p.event({ time: 't', type: 'network', action: 'network-create', name: 'p_default' });
  p.event({ time: 't', type: 'network', action: 'network-created', name: 'p_default' });
  p.event({ time: 't', type: 'container', action: 'started', name: 'p-web-1' });
  await p.done();
  const text = s.out.join('');
  assert.match(text, /Network p_default {2}Created/);
  assert.match(text, /Container p-web-1 {2}Started/);
  assert.match(text, /Container p-db-1 {2}Running/);
});

test('plain progress ends networks, volumes and images with compose\'s final words', () => {
  const s = sink();
  const p = createProgress('plain', s.stream);
  for (const [type, action, name] of [
    ['network', 'network-create', 'p_default'], ['network', 'network-created', 'p_default'],
    ['volume', 'volume-create', 'p_data'], ['volume', 'volume-created', 'p_data'],
    ['network', 'network-remove', 'p_default'], ['network', 'network-removed', 'p_default'],
    ['volume', 'volume-remove', 'p_data'], ['volume', 'volume-removed', 'p_data'],
    ['image', 'image-remove', 'p-web'], ['image', 'image-removed', 'p-web'],
    ['image', 'image-kept', 'busybox'], ['image', 'image-missing', 'gone'],
  ] as const) p.event({ time: 't', type, action, name });
  assert.deepEqual(s.out.join('').split('\n').filter(Boolean), [
    ' Network p_default  Creating', ' Network p_default  Created', ' Volume p_data  Creating', ' Volume p_data  Created',
    ' Network p_default  Removing', ' Network p_default  Removed', ' Volume p_data  Removing', ' Volume p_data  Removed',
    ' Image p-web  Removing', ' Image p-web  Removed', ' Image busybox  Resource is still in use', ' Image gone  Warning: No resource found to remove',
  ]);
});
