import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet, stack } from './stack.ts';

test('environment as a list or a mapping gives the same mapping; numbers become strings', () => {
  const a = loadSnippet('services:\n  w:\n    image: x\n    environment: ["A=1", "B=x=y", "C="]\n');
  const b = loadSnippet('services:\n  w:\n    image: x\n    environment: {A: 1, B: "x=y", C: ""}\n');
  assert.deepEqual(a.services.w!.environment, { A: '1', B: 'x=y', C: '' });
  assert.deepEqual(b.services.w!.environment, a.services.w!.environment);
});

test('a variable without a value comes from the shell, or stays null', () => {
  const p = loadSnippet('services:\n  w:\n    image: x\n    environment: [FROM_SHELL, NOT_SET]\n', { env: { FROM_SHELL: 'hi' } });
  assert.deepEqual(p.services.w!.environment, { FROM_SHELL: 'hi', NOT_SET: null });
});

test('env_file values are merged under environment, in file order, with required and raw formats', () => {
  const p = loadSnippet(`
services:
  w:
    image: x
    env_file:
      - a.env
      - path: b.env
        required: false
      - path: missing.env
        required: false
      - path: raw.env
        format: raw
    environment:
      SHARED: from-environment
`, {}, { 'a.env': 'A=1\nSHARED=from-a\nB=from-a\n', 'b.env': 'B=from-b\nREF=${A}\n', 'raw.env': 'RAW="kept ${A}"\n' });
  assert.deepEqual(p.services.w!.environment, { A: '1', SHARED: 'from-environment', B: 'from-b', REF: '1', RAW: '"kept ${A}"' });
  // Resolved into environment, env_file itself is discarded like docker compose does.
  assert.equal(p.services.w!.env_file, undefined);
});

test('a required env_file that is missing is an error at its position', () => {
  const s = stack({ 'compose.yaml': 'services:\n  w:\n    image: x\n    env_file: nope.env\n' });
  try {
    assert.throws(() => s.load(), /compose\.yaml:4:5: services\.w\.env_file\[0\]: env file .*nope\.env not found/);
  } finally {
    s.cleanup();
  }
});

test('labels as list or mapping; a label without value is empty', () => {
  const p = loadSnippet('services:\n  w:\n    image: x\n    labels: ["a=1", "b"]\n');
  assert.deepEqual(p.services.w!.labels, { a: '1', b: '' });
});

test('label_file entries become labels under the labels written in the file', () => {
  const p = loadSnippet('services:\n  w:\n    image: x\n    label_file: [a.labels]\n    labels: {team: web}\n', {}, { 'a.labels': 'team=ops\ntier=front\n' });
  assert.deepEqual(p.services.w!.labels, { team: 'web', tier: 'front' });
  assert.throws(() => loadSnippet('services:\n  w:\n    image: x\n    label_file: nope.labels\n'), /label file .*nope\.labels not found/);
});
