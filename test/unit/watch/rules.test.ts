import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules } from '../../../executor/watch/rules.ts';
import { StackFileError } from '../../../schema/errors.ts';
import { project, service } from './fixtures.ts';

const noIgnoreFile = { dockerignore: () => [] };

test('a sync rule resolves its path against the project dir and maps host files to the target', () => {
  const [r] = compileRules(project('/proj', { web: service([{ action: 'sync', path: './src', target: '/app/src/' }]) }), noIgnoreFile);
  assert.ok(r);
  assert.equal(r.path, '/proj/src');
  assert.equal(r.target, '/app/src');
  assert.equal(r.containerPath('/proj/src/lib/a.js'), '/app/src/lib/a.js');
  assert.equal(r.containerPath('/proj/src'), '/app/src');
  assert.equal(r.covers('/proj/src/a.js'), true);
  assert.equal(r.covers('/proj/srcx/a.js'), false);
  assert.equal(r.covers('/proj'), false);
});

test('ignore patterns are relative to the rule path; editor temp files and .git never pass', () => {
  const [r] = compileRules(project('/proj', { web: service([{ action: 'sync', path: 'src', target: '/app', ignore: ['node_modules', '*.test.js'] }]) }), noIgnoreFile);
  assert.ok(r);
  assert.equal(r.accepts('/proj/src/app.js', false), true);
  assert.equal(r.accepts('/proj/src/node_modules/x/index.js', false), false);
  assert.equal(r.ignoresDir('/proj/src/node_modules'), true);
  assert.equal(r.accepts('/proj/src/a.test.js', false), false);
  assert.equal(r.accepts('/proj/src/lib/a.test.js', false), true); // docker patterns are anchored
  assert.equal(r.accepts('/proj/src/.app.js.swp', false), false);
  assert.equal(r.accepts('/proj/src/.git/HEAD', false), false);
});

test('include keeps only matching files but never filters directories', () => {
  const [r] = compileRules(project('/proj', { web: service([{ action: 'sync', path: '.', target: '/app', include: ['**/*.py'] }]) }), noIgnoreFile);
  assert.ok(r);
  assert.equal(r.accepts('/proj/pkg/mod.py', false), true);
  assert.equal(r.accepts('/proj/pkg/notes.txt', false), false);
  assert.equal(r.accepts('/proj/pkg', true), true);
});

test('the build context .dockerignore applies relative to the context', () => {
  const seen: string[] = [];
  const [r] = compileRules(project('/proj', { web: service([{ action: 'sync', path: 'app/src', target: '/src' }], { build: { context: 'app', dockerfile: 'Dockerfile.dev' } }) }), {
    dockerignore: (ctx, df) => { seen.push(`${ctx}|${df}`); return ['src/generated', '!src/generated/keep.ts']; },
  });
  assert.ok(r);
  assert.deepEqual(seen, ['/proj/app|Dockerfile.dev']);
  assert.equal(r.accepts('/proj/app/src/generated/x.ts', false), false);
  assert.equal(r.accepts('/proj/app/src/generated/keep.ts', false), true);
  assert.equal(r.accepts('/proj/app/src/main.ts', false), true);
});

test('sync actions without a target, a relative target, or sync+exec without a command are all reported at once', () => {
  const p = project('/proj', { web: service([
    { action: 'sync', path: 'a' },
    { action: 'sync+restart', path: 'b', target: 'app' },
    { action: 'sync+exec', path: 'c', target: '/c' },
    { action: 'restart', path: 'd' },
  ]) });
  p.origins.set('services.web.develop.watch[1].target', { file: '/proj/compose.yaml', line: 9, col: 17 });
  assert.throws(() => compileRules(p, noIgnoreFile), (e) => {
    assert.ok(e instanceof StackFileError);
    assert.deepEqual(e.problems.map((x) => x.keyPath), ['services.web.develop.watch[0].target', 'services.web.develop.watch[1].target', 'services.web.develop.watch[2].exec']);
    assert.match(e.message, /compose\.yaml:9:17: services\.web\.develop\.watch\[1\]\.target: target must be an absolute container path/);
    return true;
  });
});

test('restart and rebuild rules need no target, and services without develop.watch give no rules', () => {
  const rules = compileRules(project('/proj', {
    api: service([{ action: 'restart', path: 'conf' }, { action: 'rebuild', path: 'package.json' }]),
    db: { environment: {}, labels: {}, depends_on: {} },
  }), noIgnoreFile);
  assert.deepEqual(rules.map((r) => `${r.service}:${r.action}:${r.path}`), ['api:restart:/proj/conf', 'api:rebuild:/proj/package.json']);
});
