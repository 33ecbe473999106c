import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stack, problemsOf } from './stack.ts';
import { generateValidator, GENERATED } from '../../../schema/gen-validator.ts';
import { StackFileError } from '../../../schema/errors.ts';

function problems(yaml: string) {
  const s = stack({ 'compose.yaml': yaml });
  try {
    return problemsOf(() => s.load());
  } finally {
    s.cleanup();
  }
}

test('all schema errors are reported at once, each with line, column and key path', () => {
  const probs = problems(`services:
  web:
    image: nginx
    enviroment:
      A: "1"
    ports: {a: 1}
  db:
    image: [not, a, string]
networks:
  front:
    drivr: bridge
`);
  assert.deepEqual(probs.map((p) => [p.keyPath, p.origin?.line, p.origin?.col]), [
    ['services.web.enviroment', 4, 5],
    ['services.web.ports', 6, 5],
    ['services.db.image', 8, 5],
    ['networks.front.drivr', 11, 5],
  ]);
  assert.equal(probs[0]!.hint, 'did you mean "environment"?');
  assert.equal(probs[3]!.hint, 'did you mean "driver"?');
  assert.match(probs[1]!.message, /must be a list/);
});

test('did-you-mean works in nested objects and not for unrelated words', () => {
  const probs = problems('services:\n  w:\n    image: x\n    healthcheck: {intervall: 5s}\n    deploy: {resources: {limits: {memroy: 1g}}}\n    zzzzzz: 1\n');
  const byKey = Object.fromEntries(probs.map((p) => [p.keyPath, p.hint]));
  assert.equal(byKey['services.w.healthcheck.intervall'], 'did you mean "interval"?');
  assert.equal(byKey['services.w.deploy.resources.limits.memroy'], 'did you mean "memory"?');
  assert.equal(byKey['services.w.zzzzzz'], undefined);
});

test('x- keys are allowed anywhere an object is', () => {
  const s = stack({ 'compose.yaml': 'x-top: 1\nservices:\n  w:\n    image: x\n    x-svc: 2\n    healthcheck: {x-h: 3}\nnetworks:\n  n: {x-n: 4}\n' });
  try {
    s.load();
  } finally {
    s.cleanup();
  }
});

test('the error renders as file:line:col: key path: message (hint) with exit code 15', () => {
  const s = stack({ 'compose.yaml': 'services:\n  w:\n    imag: x\n' });
  try {
    assert.throws(() => s.load(), (e: unknown) => {
      assert.ok(e instanceof StackFileError);
      assert.equal(e.exitCode, 15);
      assert.match(e.message, /compose\.yaml:3:5: services\.w\.imag: unknown key "imag" \(did you mean "image"\?\)$/);
      return true;
    });
  } finally {
    s.cleanup();
  }
});

test('errors in several files are all reported, each in its own file', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {imagee: x}\n', 'compose.override.yaml': 'services:\n  a: {portss: []}\n' });
  try {
    const files = problemsOf(() => s.load()).map((p) => p.origin!.file.split('/').pop());
    assert.deepEqual(files, ['compose.yaml', 'compose.override.yaml']);
  } finally {
    s.cleanup();
  }
});

test('the generated validator is up to date with schema/spec.ts', () => {
  assert.equal(readFileSync(GENERATED, 'utf8'), generateValidator(), 'run: node schema/gen-validator.ts');
});

test('closed value sets list what is allowed', () => {
  const [p] = problems('services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_healty}\n  b: {image: y}\n');
  assert.equal(p!.keyPath, 'services.a.depends_on.b.condition');
  assert.equal(p!.message, 'must be one of "service_started", "service_healthy", "service_completed_successfully", got "service_healty"');
});
