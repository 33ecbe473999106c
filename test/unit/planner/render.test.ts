import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downPlan, plan, planToJson, renderPlan, type Observed } from '../../../planner/plan.ts';
import type { Project } from '../../../schema/model.ts';
import { project, running } from './builder.ts';

// A web app: postgres with a named volume and a healthcheck, a one-shot migration, an API with two
// replicas that needs the database healthy and the migration completed, and a web front.
const app = (): Project =>
  project(
    {
      db: { volumes: [{ type: 'volume', source: 'data', target: '/var/lib/postgresql/data' }], healthcheck: { test: ['CMD', 'pg_isready'] } },
      api: { depends_on: { db: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } }, scale: 2 },
      migrate: { depends_on: ['db'] },
      web: { depends_on: ['api'] },
    },
    { volumes: { data: { name: 'demo_data' } } },
  );

test('the plan for an empty host prints one line per operation: step, dependencies, resource, operation, cause', () => {
  assert.equal(
    renderPlan(plan(app(), { containers: [], networks: [], volumes: [] })),
    [
      ' 1  -             network demo_default      createNetwork: new network',
      ' 2  -             volume demo_data          createVolume: new volume',
      ' 3  after 1,2     container demo-db-1       create: new service',
      ' 4  after 3       container demo-db-1       start: new container',
      ' 5  after 1,4     container demo-migrate-1  create: new service',
      ' 6  after 5       container demo-migrate-1  start: new container',
      ' 7  after 1,4,6   container demo-api-1      create: new service',
      ' 8  after 1,4,6   container demo-api-2      create: new service',
      ' 9  after 7       container demo-api-1      start: new container [waits: db healthy, migrate completed]',
      '10  after 8       container demo-api-2      start: new container [waits: db healthy, migrate completed]',
      '11  after 1,9,10  container demo-web-1      create: new service',
      '12  after 11      container demo-web-1      start: new container',
      '',
    ].join('\n'),
  );
});

test('a second up explains what it keeps, starts and recreates, and prints warnings last', () => {
  const before = app();
  const after = app();
  after.services.web!.environment = { THEME: 'dark' };
  const observed: Observed = {
    containers: [
      running(before, 'db'),
      running(before, 'api', 1),
      running(before, 'api', 2, { status: 'exited' }),
      running(before, 'migrate', 1, { status: 'exited' }),
      running(before, 'web'),
      running(before, 'cron'),
    ],
    networks: ['demo_default'],
    volumes: ['demo_data'],
  };
  assert.equal(
    renderPlan(plan(after, observed)),
    [
      '1  -          container demo-db-1       keep: up to date',
      '2  after 1    container demo-migrate-1  start: exited',
      '3  after 1,2  container demo-api-1      keep: up to date',
      '4  after 1,2  container demo-api-2      start: exited [waits: db healthy, migrate completed]',
      '5  after 3,4  container demo-web-1      recreate: config changed (environment)',
      '6  after 5    container demo-web-1      start: recreated',
      'warning: Found orphan containers (demo-cron-1) for this project. If you removed or renamed their services in the stack file, run this command with --remove-orphans to clean them up',
      '',
    ].join('\n'),
  );
});

test('down prints containers in reverse dependency order, then networks and volumes', () => {
  const p = app();
  const observed: Observed = {
    containers: [running(p, 'db'), running(p, 'api', 1), running(p, 'api', 2, { status: 'exited' }), running(p, 'migrate', 1, { status: 'exited' }), running(p, 'web')],
    networks: ['demo_default'],
    volumes: ['demo_data'],
  };
  assert.equal(
    renderPlan(downPlan(p, observed, { volumes: true })),
    [
      '1  -                container demo-web-1      remove: down (running)',
      '2  after 1          container demo-api-1      remove: down (running)',
      '3  after 1          container demo-api-2      remove: down (exited)',
      '4  after 2,3        container demo-migrate-1  remove: down (exited)',
      '5  after 2,3,4      container demo-db-1       remove: down (running)',
      '6  after 1,2,3,4,5  network demo_default      removeNetwork: down',
      '7  after 1,2,3,4,5  volume demo_data          removeVolume: down -v',
      '',
    ].join('\n'),
  );
});

test('an empty plan says there is nothing to do', () => {
  assert.equal(renderPlan(downPlan(app(), { containers: [], networks: [] })), 'Nothing to do for project "demo"\n');
});

test('the JSON form lists operations in step order with step and level', () => {
  const j = planToJson(plan(app(), { containers: [], networks: [], volumes: [] }));
  assert.equal(j.project, 'demo');
  assert.deepEqual(j.operations.map((o) => [o.step, o.level, o.id]).slice(6, 9), [
    [7, 6, 'create:demo-api-1'],
    [8, 6, 'create:demo-api-2'],
    [9, 7, 'start:demo-api-1'],
  ]);
  assert.deepEqual(Object.keys(j.operations[0]!).slice(0, 4), ['step', 'level', 'id', 'type']);
  // Plain data: survives a JSON round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
});
