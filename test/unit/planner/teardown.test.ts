import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downPlan, stopPlan, type Observed } from '../../../planner/plan.ts';
import { UsageError } from '../../../schema/errors.ts';
import { project, running } from './builder.ts';

const p = () => project({ db: {}, api: { depends_on: ['db'] }, web: { depends_on: ['api'] } }, { volumes: { data: { name: 'demo_data' }, ext: { name: 'shared', external: true } } });
const observed = (): Observed => {
  const q = p();
  return { containers: [running(q, 'db'), running(q, 'api', 1, { status: 'exited' }), running(q, 'web')] };
};
const lines = (plan: ReturnType<typeof downPlan>) => plan.operations.map((o) => `${o.id} <- ${o.dependsOn.join(',') || '-'}`);

test('stop stops only running containers, dependents first, passing through services with nothing to stop', () => {
  assert.deepEqual(lines(stopPlan(p(), observed())), ['stop:demo-web-1 <- -', 'stop:demo-db-1 <- stop:demo-web-1']);
});

test('down removes every container in reverse order, then the networks; volumes only with -v and never external ones', () => {
  assert.deepEqual(lines(downPlan(p(), observed())), [
    'remove:demo-web-1 <- -',
    'remove:demo-api-1 <- remove:demo-web-1',
    'remove:demo-db-1 <- remove:demo-api-1',
    'removeNetwork:demo_default <- remove:demo-web-1,remove:demo-api-1,remove:demo-db-1',
  ]);
  const withVolumes = downPlan(p(), observed(), { volumes: true }).operations.map((o) => o.id);
  assert.deepEqual(withVolumes.slice(4), ['removeVolume:demo_data']);
});

test('down skips networks and volumes it observed to be gone', () => {
  const o = { ...observed(), networks: [], volumes: [] };
  assert.deepEqual(downPlan(p(), o, { volumes: true }).operations.map((x) => x.type), ['remove', 'remove', 'remove']);
});

test('down leaves orphans unless --remove-orphans, but takes containers of disabled services and one-offs', () => {
  const q = p();
  q.disabled_services.debug = q.services.db!;
  const o = observed();
  o.containers.push(running(q, 'old'), running(q, 'debug'), running(q, 'web', 9, { oneOff: true, name: 'demo-web-run-ab12' }));
  const plain = downPlan(q, o);
  assert.deepEqual(plain.operations.filter((x) => x.type === 'remove').map((x) => `${x.resource}: ${x.cause}`), [
    'demo-web-1: down (running)',
    'demo-web-run-ab12: down (one-off, running)',
    'demo-api-1: down (exited)',
    'demo-db-1: down (running)',
    'demo-debug-1: service disabled by profiles',
  ]);
  assert.match(plain.warnings[0] ?? '', /demo-old-1.*--remove-orphans/);
  assert.ok(downPlan(q, o, { removeOrphans: true }).operations.some((x) => x.id === 'remove:demo-old-1'));
});

test('down of selected services removes only their containers and keeps networks', () => {
  assert.deepEqual(downPlan(p(), observed(), { services: ['web'] }).operations.map((o) => o.id), ['remove:demo-web-1']);
  assert.throws(() => downPlan(p(), observed(), { services: ['nope'] }), UsageError);
});
