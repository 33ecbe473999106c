import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildServiceGraph, depsOf, orderNames, withDependencies } from '../../../planner/graph.ts';
import { StackFileError } from '../../../schema/errors.ts';
import { project } from './builder.ts';

function deps(p: ReturnType<typeof project>): Record<string, string[]> {
  const g = buildServiceGraph(p);
  return Object.fromEntries(g.services.map((s) => [s, depsOf(g, s).map((e) => `${e.dep}(${e.kinds.join('+')})`)]));
}

function stackError(fn: () => unknown): StackFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StackFileError) return e;
    throw e;
  }
  assert.fail('expected a StackFileError');
}

test('edges come from depends_on, links, network_mode/ipc/pid service: and volumes_from', () => {
  const p = project({
    a: {},
    b: {},
    c: {},
    d: {},
    e: {},
    web: {
      depends_on: { a: { condition: 'service_healthy' } },
      links: ['b:bee'],
      network_mode: 'service:c',
      ipc: 'service:d',
      pid: 'service:d',
      volumes_from: ['e:ro'],
    },
  });
  assert.deepEqual(deps(p).web, ['a(depends_on)', 'b(links)', 'c(network_mode)', 'd(ipc+pid)', 'e(volumes_from)']);
  const g = buildServiceGraph(p);
  assert.equal(depsOf(g, 'web')[0]?.condition, 'service_healthy');
  assert.deepEqual(g.dependents[g.index.get('d') as number]?.map((i) => g.services[i]), ['web']);
});

test('container: forms are not edges but are recorded for a run-time check', () => {
  const p = project({ web: { network_mode: 'container:proxy', volumes_from: ['container:data:ro', 'db'] }, db: {} });
  const g = buildServiceGraph(p);
  assert.deepEqual(deps(p).web, ['db(volumes_from)']);
  assert.deepEqual(g.external, [
    { service: 'web', kind: 'network_mode', container: 'proxy', keyPath: 'services.web.network_mode' },
    { service: 'web', kind: 'volumes_from', container: 'data', keyPath: 'services.web.volumes_from[0]' },
  ]);
});

test('several keys naming one dependency merge into one edge with the strictest condition', () => {
  const p = project({ db: {}, web: { links: ['db'], depends_on: { db: { condition: 'service_completed_successfully', restart: true } } } });
  const e = depsOf(buildServiceGraph(p), 'web')[0];
  assert.deepEqual(e?.kinds, ['depends_on', 'links']);
  assert.equal(e?.condition, 'service_completed_successfully');
  assert.equal(e?.restart, true);
});

test('the order puts every service after its dependencies, ties by name', () => {
  const p = project({ web: { depends_on: ['api'] }, api: { depends_on: ['db', 'cache'] }, db: {}, cache: {}, zed: {} });
  assert.deepEqual(orderNames(buildServiceGraph(p)), ['cache', 'db', 'api', 'web', 'zed']);
});

test('a cycle is reported whole, positioned at the first edge of the cycle', () => {
  const p = project({ web: { depends_on: ['api'] }, api: { depends_on: ['db'] }, db: { links: ['web'] } });
  const e = stackError(() => buildServiceGraph(p));
  assert.equal(e.problems.length, 1);
  assert.equal(e.problems[0]?.message, 'dependency cycle: api → db → web → api');
  assert.equal(e.problems[0]?.keyPath, 'services.api.depends_on.db');
  assert.equal(e.message, 'compose.yaml:29:7: services.api.depends_on.db: dependency cycle: api → db → web → api');
});

test('a service depending on itself is a cycle', () => {
  const e = stackError(() => buildServiceGraph(project({ web: { network_mode: 'service:web' } })));
  assert.match(e.message, /^compose\.yaml:\d+:5: services\.web\.network_mode: dependency cycle: web → web$/);
});

test('every unknown service is reported at once, each with its position', () => {
  const p = project({ web: { depends_on: ['nope'], links: ['gone'] } });
  const e = stackError(() => buildServiceGraph(p));
  assert.deepEqual(e.problems.map((x) => x.message), [
    'service "web" depends on undefined service "nope"',
    'service "web" depends on undefined service "gone"',
  ]);
  assert.equal(e.problems[0]?.origin?.line, 19);
  // links[0] has no origin of its own in the builder: the nearest parent (services.web.links) is used.
  assert.equal(e.problems[1]?.keyPath, 'services.web.links[0]');
  assert.deepEqual(e.problems[1]?.origin, p.origins.get('services.web.links'));
});

test('a dependency on a profile-disabled service is an error unless required: false', () => {
  const base = project({ web: { depends_on: ['debug'] } });
  base.disabled_services.debug = { ...base.services.web!, depends_on: {} };
  const e = stackError(() => buildServiceGraph(base));
  assert.equal(e.problems[0]?.message, 'service "web" depends on service "debug", which is disabled by its profiles');
  assert.match(e.problems[0]?.hint ?? '', /--profile/);

  const optional = project({ web: { depends_on: { debug: { required: false } } } });
  optional.disabled_services.debug = { ...optional.services.web!, depends_on: {} };
  assert.deepEqual(depsOf(buildServiceGraph(optional), 'web'), []);
});

test('an optional dependency on a service that does not exist at all is still an error', () => {
  const p = project({ web: { depends_on: { ghost: { required: false } } } });
  assert.match(stackError(() => buildServiceGraph(p)).message, /undefined service "ghost"/);
});

test('withDependencies brings the transitive dependencies of the selection', () => {
  const p = project({ web: { depends_on: ['api'] }, api: { volumes_from: ['data'] }, data: {}, other: {} });
  const g = buildServiceGraph(p);
  assert.deepEqual(withDependencies(g, ['web']).map((i) => g.services[i]), ['api', 'data', 'web']);
});

test('a deep chain does not overflow the stack', () => {
  // Deeper than a recursive walk could go (~10k frames); built directly, the builder is slower.
  const p = project({});
  for (let i = 0; i < 12_000; i++) {
    p.services[`s${i}`] = { environment: {}, labels: {}, depends_on: i ? { [`s${i - 1}`]: { condition: 'service_started', required: true } } : {} };
  }
  const g = buildServiceGraph(p);
  const order = orderNames(g);
  assert.equal(order[0], 's0');
  assert.equal(order[11_999], 's11999');
});

test('a short-form depends_on entry is located by its list position', () => {
  const p = project({ web: { depends_on: ['db', 'ghost'] }, db: {} });
  p.origins.delete('services.web.depends_on.ghost');
  p.origins.set('services.web.depends_on[1]', { file: 'compose.yaml', line: 4, col: 20 });
  const e = stackError(() => buildServiceGraph(p));
  assert.equal(e.message, 'compose.yaml:4:20: services.web.depends_on.ghost: service "web" depends on undefined service "ghost"');
});

test('the numbered graph is consistent: edges point at their dependency, dependents mirror them, order is topological', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,3}$/), { minLength: 1, maxLength: 12 }),
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { maxLength: 12 }),
      (names, picks) => {
        // names[i] may depend on names[j < i] only: acyclic by construction, in an order unrelated to the names' sort.
        const services: Record<string, { depends_on?: string[]; links?: string[] }> = {};
        names.forEach((n, i) => {
          const deps = i ? (picks[i] ?? []).map((p) => names[p % i] as string) : [];
          services[n] = i % 2 ? { depends_on: [...new Set(deps)] } : { links: deps };
        });
        const g = buildServiceGraph(project(services));
        assert.deepEqual(g.services, [...names].sort());
        g.services.forEach((n, i) => assert.equal(g.index.get(n), i));
        const position = new Map(g.order.map((svc, k) => [svc, k]));
        assert.equal(position.size, g.services.length);
        g.deps.forEach((edges, i) => {
          for (const e of edges) {
            assert.equal(g.services[e.to], e.dep);
            assert.ok(g.dependents[e.to]?.includes(i));
            assert.ok((position.get(e.to) as number) < (position.get(i) as number), `${e.dep} before ${g.services[i]}`);
          }
          assert.deepEqual(edges.map((e) => e.to), edges.map((e) => e.to).sort((a, b) => a - b));
        });
        g.dependents.forEach((ds, j) => {
          assert.deepEqual(ds, [...ds].sort((a, b) => a - b));
          for (const i of ds) assert.ok(g.deps[i]?.some((e) => e.to === j));
        });
      },
    ),
    { numRuns: 300 },
  );
});
