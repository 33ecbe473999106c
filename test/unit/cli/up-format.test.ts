// `tscompose up --dry-run --format json|text` through the real launcher: the plan as JSON
// (planner/render.ts planToJson) is all of stdout; --format without --dry-run is a usage error
// that starts nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers } from '../../helpers/env.ts';
import { planFormat } from '../../../cli/commands/up.ts';
import { UsageError } from '../../../schema/errors.ts';
import type { PlanJson } from '../../../planner/render.ts';

const env = testEnv('upformat');
after(() => env.cleanup());

const bin = new URL('../../../bin/tscompose', import.meta.url).pathname;
const dir = join(env.dir, 'proj');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'compose.yaml'), [
  `name: ${env.project}`,
  'services:',
  '  db: {image: busybox, healthcheck: {test: ["CMD", "true"]}}',
  '  web: {image: busybox, depends_on: {db: {condition: service_healthy}}, deploy: {replicas: 2}}',
].join('\n'));

const run = (args: string[]) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...env.env, TSCOMPOSE_NO_PARSE_CACHE: '1' } });

test('up --dry-run --format json prints the plan as one JSON document: steps, levels, causes, waits', () => {
  const r = run(['up', '--dry-run', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as PlanJson;
  assert.equal(plan.project, env.project);
  const p = env.project;
  assert.deepEqual(plan.operations.map((o) => [o.step, o.level, o.id, o.cause]), [
    [1, 1, `createNetwork:${p}_default`, 'network not observed, ensure it exists'],
    [2, 2, `create:${p}-db-1`, 'new service'],
    [3, 3, `start:${p}-db-1`, 'new container'],
    [4, 4, `create:${p}-web-1`, 'new service'],
    [5, 4, `create:${p}-web-2`, 'new service'],
    [6, 5, `start:${p}-web-1`, 'new container'],
    [7, 5, `start:${p}-web-2`, 'new container'],
  ]);
  const web1 = plan.operations.find((o) => o.id === `start:${p}-web-1`);
  assert.deepEqual(web1?.waitFor, [{ service: 'db', condition: 'service_healthy', required: true }]);
  assert.deepEqual(web1?.dependsOn, [`create:${p}-web-1`]);
  assert.match(plan.operations.find((o) => o.type === 'create')?.configHash ?? '', /^v1-[0-9a-f]{64}$/);
  assert.deepEqual(plan.warnings, []);
  // A dry run touches nothing: no container, network or state.
  assert.deepEqual(leftovers(env.project), []);
  assert.equal(existsSync(join(env.root, 'containers')) && readdirSync(join(env.root, 'containers')).length > 0, false);
});

test('--format text is the plain --dry-run output', () => {
  const plain = run(['up', '--dry-run']);
  const text = run(['up', '--dry-run', '--format', 'text']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(text.stdout, plain.stdout);
  assert.match(text.stdout, new RegExp(`container ${env.project}-web-2 +create: new service`));
});

test('--format without --dry-run, or an unknown format, is a usage error and starts nothing', () => {
  const r = run(['up', '-d', '--format', 'json']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--format applies only to --dry-run/);
  assert.equal(r.stdout, '');
  const bad = run(['up', '--dry-run', '--format', 'yaml']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unsupported format "yaml"/);
  assert.deepEqual(leftovers(env.project), []);
  assert.equal(existsSync(join(env.run, env.project, 'state.json')), false);
});

test('planFormat: json → true, text or none → false, needs --dry-run', () => {
  assert.equal(planFormat({ dryRun: true, format: 'json' }), true);
  assert.equal(planFormat({ dryRun: true, format: 'text' }), false);
  assert.equal(planFormat({ dryRun: true }), false);
  assert.equal(planFormat({}), false);
  assert.throws(() => planFormat({ format: 'json' }), UsageError);
  assert.throws(() => planFormat({ dryRun: true, format: 'table' }), (e: unknown) => e instanceof UsageError && e.hint === 'use --format text or --format json');
});
