import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type Observed, type Operation, type PlanOptions } from '../../../planner/plan.ts';
import { StackFileError, UsageError } from '../../../schema/errors.ts';
import type { Project } from '../../../schema/model.ts';
import { project, running } from './builder.ts';

/** `type resource: cause` per operation, in plan order. */
function ops(p: Project, observed: Observed, options: PlanOptions = {}): string[] {
  return plan(p, observed, options).operations.map((o) => `${o.type} ${o.resource}: ${o.cause}`);
}
function op(p: Project, observed: Observed, id: string, options: PlanOptions = {}): Operation {
  const found = plan(p, observed, options).operations.find((o) => o.id === id);
  assert.ok(found, `no operation ${id}`);
  return found;
}

const stack = (): Project =>
  project({
    db: { image: 'postgres' },
    api: { depends_on: { db: { condition: 'service_healthy' } } },
    web: { depends_on: ['api'] },
  });
const allRunning = (p: Project): Observed => ({ containers: ['db', 'api', 'web'].map((s) => running(p, s)), networks: ['demo_default'] });

test('an empty host gets a network, then each service created and started after its dependencies', () => {
  const p = stack();
  assert.deepEqual(ops(p, { containers: [], networks: [] }), [
    'createNetwork demo_default: new network',
    'create demo-db-1: new service',
    'start demo-db-1: new container',
    'create demo-api-1: new service',
    'start demo-api-1: new container',
    'create demo-web-1: new service',
    'start demo-web-1: new container',
  ]);
  assert.deepEqual(op(p, { containers: [] }, 'create:demo-api-1').dependsOn, ['createNetwork:demo_default', 'start:demo-db-1']);
  assert.deepEqual(op(p, { containers: [] }, 'start:demo-api-1').waitFor, [{ service: 'db', condition: 'service_healthy', required: true }]);
});

test('a network or volume that exists gets no operation; one not observed is ensured', () => {
  const p = project({ db: { volumes: [{ type: 'volume', source: 'data', target: '/d' }, { type: 'volume', target: '/anon' }] } }, { volumes: { data: { name: 'demo_data' }, ext: { name: 'shared', external: true } } });
  assert.deepEqual(ops(p, { containers: [], networks: ['demo_default'], volumes: [] }).slice(0, 1), ['createVolume demo_data: new volume']);
  assert.deepEqual(ops(p, { containers: [] }).slice(0, 2), ['createNetwork demo_default: network not observed, ensure it exists', 'createVolume demo_data: volume not observed, ensure it exists']);
  assert.deepEqual(op(p, { containers: [] }, 'create:demo-db-1').dependsOn, ['createNetwork:demo_default', 'createVolume:demo_data']);
});

test('external networks are never created and network_mode services join no network', () => {
  const p = project({ a: { networks: { ext: null } }, b: { network_mode: 'host' } }, { networks: { ext: { name: 'corp', external: true }, default: { name: 'demo_default' } } });
  assert.deepEqual(ops(p, { containers: [] }).filter((o) => o.startsWith('createNetwork')), []);
});

test('an up-to-date running container is kept; a stopped one is started', () => {
  const p = stack();
  const o = allRunning(p);
  (o.containers[2] as { status: string }).status = 'exited';
  assert.deepEqual(ops(p, o), ['keep demo-db-1: up to date', 'keep demo-api-1: up to date', 'start demo-web-1: exited']);
});

test('a changed config recreates and names the changed keys', () => {
  const before = stack();
  const after = stack();
  after.services.api!.environment = { DEBUG: '1' };
  after.services.api!.user = 'nobody';
  assert.deepEqual(ops(after, allRunning(before)), [
    'keep demo-db-1: up to date',
    'recreate demo-api-1: config changed (environment, user)',
    'start demo-api-1: recreated',
    'keep demo-web-1: up to date',
  ]);
  assert.equal(op(after, allRunning(before), 'recreate:demo-api-1').configHash?.startsWith('v1-'), true);
});

test('without recorded per-key hashes the cause is only "config changed"', () => {
  const p = stack();
  const o = allRunning(p);
  o.containers[0] = { ...o.containers[0]!, configHash: 'v1-old', configHashes: undefined };
  assert.equal(op(p, o, 'recreate:demo-db-1').cause, 'config changed');
});

test('a hash from another hash version is reported as such', () => {
  const p = stack();
  const o = allRunning(p);
  o.containers[0] = { ...o.containers[0]!, configHash: 'v0-abc' };
  assert.equal(op(p, o, 'recreate:demo-db-1').cause, 'config hash format changed (v0 → v1)');
});

test('a new image digest recreates', () => {
  const p = stack();
  const o = allRunning(p);
  assert.equal(op(p, o, 'recreate:demo-db-1', { imageDigests: { db: 'sha256:new' } }).cause, 'image changed');
});

test('dependents with depends_on restart: true are restarted when their dependency is recreated', () => {
  const before = project({ db: {}, api: { depends_on: { db: { restart: true } } }, web: { depends_on: { api: { restart: true } } }, other: { depends_on: ['db'] } });
  const after = structuredClone(before);
  after.services.db!.environment = { V: '2' };
  assert.deepEqual(ops(after, { containers: ['db', 'api', 'web', 'other'].map((s) => running(before, s)), networks: ['demo_default'] }), [
    'recreate demo-db-1: config changed (environment)',
    'start demo-db-1: recreated',
    'restart demo-api-1: dependency "db" changed (depends_on.db.restart: true)',
    'keep demo-other-1: up to date',
    'restart demo-web-1: dependency "api" changed (depends_on.api.restart: true)',
  ]);
});

test('a service sharing the namespace of a recreated service is recreated too', () => {
  const before = project({ vpn: {}, app: { network_mode: 'service:vpn' }, side: { volumes_from: ['vpn'] } });
  const after = structuredClone(before);
  after.services.vpn!.command = ['vpn', '--v2'];
  const o = { containers: ['vpn', 'app', 'side'].map((s) => running(before, s)), networks: ['demo_default'] };
  assert.equal(op(after, o, 'recreate:demo-app-1').cause, 'shares the network namespace of "vpn", which is recreated');
  assert.equal(op(after, o, 'recreate:demo-side-1').cause, 'shares the volumes of "vpn", which is recreated');
});

test('orphans are reported, and removed with --remove-orphans; disabled services are not orphans', () => {
  const p = stack();
  p.disabled_services.debug = p.services.db!;
  const o = allRunning(p);
  o.containers.push(running(p, 'old'), running(p, 'debug'));
  const kept = plan(p, o);
  assert.equal(kept.operations.some((x) => x.type === 'remove'), false);
  assert.deepEqual(kept.warnings, ['Found orphan containers (demo-old-1) for this project. If you removed or renamed their services in the stack file, run this command with --remove-orphans to clean them up']);
  assert.deepEqual(ops(p, o, { removeOrphans: true })[0], 'remove demo-old-1: orphan: service "old" is not in the stack file');
  assert.equal(ops(p, o, { removeOrphans: true }).length, 4);
});

test('one-off containers are neither replicas nor orphans', () => {
  const p = stack();
  const o = allRunning(p);
  o.containers.push(running(p, 'web', 7, { oneOff: true, name: 'demo-web-run-1' }), running(p, 'gone', 1, { oneOff: true }));
  assert.deepEqual(ops(p, o, { removeOrphans: true }).map((x) => x.split(':')[0]), ['keep demo-db-1', 'keep demo-api-1', 'keep demo-web-1']);
});

test('deploy.replicas, scale and --scale set the number of containers, --scale winning', () => {
  const p = project({ a: { deploy: { replicas: 2 } }, b: { scale: 3 }, c: { scale: 2 } });
  const names = (options: PlanOptions) => plan(p, { containers: [], networks: ['demo_default'] }, options).operations.filter((o) => o.type === 'create').map((o) => o.resource);
  assert.deepEqual(names({}), ['demo-a-1', 'demo-a-2', 'demo-b-1', 'demo-b-2', 'demo-b-3', 'demo-c-1', 'demo-c-2']);
  assert.deepEqual(names({ scale: { c: 0, a: 1 } }), ['demo-a-1', 'demo-b-1', 'demo-b-2', 'demo-b-3']);
});

test('scaling up keeps what runs and adds the smallest free numbers', () => {
  const p = project({ w: {} });
  const o = { containers: [running(p, 'w', 1), running(p, 'w', 3)], networks: ['demo_default'] };
  assert.deepEqual(ops(p, o, { scale: { w: 4 } }), [
    'keep demo-w-1: up to date',
    'keep demo-w-3: up to date',
    'create demo-w-2: scale up: 2 → 4',
    'start demo-w-2: new container',
    'create demo-w-4: scale up: 2 → 4',
    'start demo-w-4: new container',
  ]);
});

test('scaling down removes the highest numbers first, one after the other', () => {
  const p = project({ w: {} });
  const o = { containers: [4, 2, 1, 3].map((n) => running(p, 'w', n)), networks: ['demo_default'] };
  const result = plan(p, o, { scale: { w: 2 } });
  assert.deepEqual(result.operations.map((x) => `${x.type} ${x.resource}: ${x.cause}`), [
    'remove demo-w-4: scale down: 4 → 2',
    'remove demo-w-3: scale down: 4 → 2',
    'keep demo-w-1: up to date',
    'keep demo-w-2: up to date',
  ]);
  assert.deepEqual(result.operations[1]?.dependsOn, ['remove:demo-w-4']);
});

test('a fixed container_name cannot be scaled', () => {
  const p = project({ w: { container_name: 'the-one', scale: 2 } });
  assert.throws(() => plan(p, { containers: [] }), (e) => e instanceof StackFileError && /container_name "the-one" and cannot have 2 containers/.test(e.message));
  assert.equal(plan(p, { containers: [] }, { scale: { w: 1 } }).operations.find((o) => o.type === 'create')?.resource, 'the-one');
});

test('dependents of a service scaled to zero still wait for what that service needs', () => {
  const p = project({ db: {}, mid: { depends_on: ['db'], scale: 0 }, web: { depends_on: ['mid'] } });
  assert.deepEqual(op(p, { containers: [], networks: ['demo_default'] }, 'create:demo-web-1').dependsOn, ['start:demo-db-1']);
});

test('up web brings its dependencies; --no-deps only web', () => {
  const p = project({ db: {}, web: { depends_on: ['db'] }, other: {} });
  const empty = { containers: [], networks: ['demo_default'] };
  assert.deepEqual(ops(p, empty, { services: ['web'] }).filter((x) => x.startsWith('create')), ['create demo-db-1: new service', 'create demo-web-1: new service']);
  assert.deepEqual(ops(p, empty, { services: ['web'], noDeps: true }), ['create demo-web-1: new service', 'start demo-web-1: new container']);
});

test('selecting an unknown or disabled service is a usage error', () => {
  const p = stack();
  p.disabled_services.debug = p.services.db!;
  assert.throws(() => plan(p, { containers: [] }, { services: ['nope'] }), (e) => e instanceof UsageError && e.message === 'No such service: "nope"');
  assert.throws(() => plan(p, { containers: [] }, { services: ['debug'] }), (e) => e instanceof UsageError && /disabled by its profiles/.test(e.message));
});

test('--force-recreate recreates the selected services, and their dependencies only with --always-recreate-deps', () => {
  const p = stack();
  assert.deepEqual(ops(p, allRunning(p), { services: ['api'], forceRecreate: true }), [
    'keep demo-db-1: up to date',
    'recreate demo-api-1: forced (--force-recreate)',
    'start demo-api-1: recreated',
  ]);
  assert.deepEqual(ops(p, allRunning(p), { services: ['api'], alwaysRecreateDeps: true }).slice(0, 2), [
    'recreate demo-db-1: forced (--always-recreate-deps)',
    'start demo-db-1: recreated',
  ]);
});

test('--no-recreate keeps changed containers and says so', () => {
  const before = stack();
  const after = stack();
  after.services.db!.image = 'postgres:17';
  assert.equal(op(after, allRunning(before), 'keep:demo-db-1', { noRecreate: true }).cause, 'running; image changed, not recreated (--no-recreate)');
});

test('conflicting recreate flags are a usage error', () => {
  assert.throws(() => plan(stack(), { containers: [] }, { forceRecreate: true, noRecreate: true }), UsageError);
  assert.throws(() => plan(stack(), { containers: [] }, { alwaysRecreateDeps: true, noRecreate: true }), UsageError);
});

test('--no-start creates and recreates without starting, and leaves stopped containers stopped', () => {
  const before = stack();
  const after = stack();
  after.services.api!.environment = { X: '1' };
  const o = allRunning(before);
  o.containers[0] = { ...o.containers[0]!, status: 'exited' };
  o.containers.pop();
  assert.deepEqual(ops(after, o, { noStart: true }), [
    'keep demo-db-1: exited (--no-start)',
    'recreate demo-api-1: config changed (environment)',
    'create demo-web-1: new service',
  ]);
});

test('graph errors surface from plan with their stack file position', () => {
  const p = project({ a: { depends_on: ['b'] }, b: { depends_on: ['a'] } });
  assert.throws(() => plan(p, { containers: [] }), (e) => e instanceof StackFileError && e.message === 'compose.yaml:19:7: services.a.depends_on.b: dependency cycle: a → b → a');
});

test('container: references of the planned services are handed to the executor', () => {
  const p = project({ web: { network_mode: 'container:vpn' }, other: { ipc: 'container:x' } });
  assert.deepEqual(plan(p, { containers: [] }, { services: ['web'] }).external, [{ service: 'web', kind: 'network_mode', container: 'vpn', keyPath: 'services.web.network_mode' }]);
});

test('--scale must name a known service and a whole number', () => {
  assert.throws(() => plan(stack(), { containers: [] }, { scale: { nope: 2 } }), (e) => e instanceof UsageError && e.message === 'No such service: "nope"');
  assert.throws(() => plan(stack(), { containers: [] }, { scale: { web: -1 } }), (e) => e instanceof UsageError && /Invalid --scale value for "web": -1/.test(e.message));
});

test('names of Object.prototype members are not mistaken for services', () => {
  assert.throws(() => plan(project({ web: { depends_on: ['toString'] } }), { containers: [] }), (e) => e instanceof StackFileError && /undefined service "toString"/.test(e.message));
  assert.throws(() => plan(stack(), { containers: [] }, { services: ['constructor'] }), UsageError);
});

test('a recreate is named after the container it becomes when container_name changes', () => {
  const before = project({ w: {} });
  const after = project({ w: { container_name: 'the-one' } });
  const o = { containers: [running(before, 'w')], networks: ['demo_default'] };
  const r = op(after, o, 'recreate:the-one');
  assert.equal(r.containerId, o.containers[0]!.id);
  assert.equal(r.cause, 'config changed (container_name)');
  assert.deepEqual(op(after, o, 'start:the-one').dependsOn, ['recreate:the-one']);
});
