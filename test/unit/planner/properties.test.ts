// Properties over random stacks (fast-check): random acyclic service graphs with random edge kinds,
// replicas and observed states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { downPlan, plan, type Observed, type ObservedContainer, type Plan, type PlanOptions } from '../../../planner/plan.ts';
import { buildServiceGraph, depsOf } from '../../../planner/graph.ts';
import { inDependencyOrder } from '../../../planner/walk.ts';
import type { Project } from '../../../schema/model.ts';
import { project, running, type ServiceInit } from './builder.ts';

interface Dag {
  names: string[];
  /** names[i] → indexes j < i it depends on */
  deps: number[][];
}

const dagArb: fc.Arbitrary<Dag> = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc
    .record({
      // Unrelated to the topological order, so name-order ties are exercised.
      ids: fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: n, maxLength: n }),
      picks: fc.array(fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }), { minLength: n, maxLength: n }),
    })
    .map(({ ids, picks }) => ({
      names: ids.map((i) => `s${i}`),
      deps: picks.map((ps, i) => (i === 0 ? [] : [...new Set(ps.map((p) => p % i))])),
    })),
);

const stackArb = fc
  .record({
    dag: dagArb,
    kinds: fc.array(fc.constantFrom('depends_on', 'healthy', 'links', 'volumes_from', 'restart'), { minLength: 50, maxLength: 50 }),
    replicas: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 14, maxLength: 14 }),
  })
  .map(({ dag, kinds, replicas }) => {
    const services: Record<string, ServiceInit> = {};
    let k = 0;
    dag.names.forEach((name, i) => {
      const s: ServiceInit & { depends_on: Record<string, { condition?: 'service_healthy'; restart?: boolean }> } = { depends_on: {}, links: [], volumes_from: [], scale: replicas[i] ?? 1, environment: { N: name } };
      for (const j of dag.deps[i] ?? []) {
        const dep = dag.names[j] as string;
        const kind = kinds[k++ % kinds.length];
        if (kind === 'links') s.links!.push(dep);
        else if (kind === 'volumes_from') s.volumes_from!.push(dep);
        else s.depends_on[dep] = kind === 'healthy' ? { condition: 'service_healthy' } : kind === 'restart' ? { restart: true } : {};
      }
      services[name] = s;
    });
    return { dag, p: project(services) };
  });

/** op id → every op id it waits for, directly or not. */
function ancestors(pl: Plan): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const op of pl.operations) {
    const s = new Set<string>();
    for (const d of op.dependsOn) {
      s.add(d);
      for (const x of out.get(d) ?? []) s.add(x);
    }
    out.set(op.id, s);
  }
  return out;
}

/** Pairs "A<B": some operation of service B waits (transitively) for some operation of service A. */
function serviceOrder(pl: Plan): Set<string> {
  const anc = ancestors(pl);
  const svcOf = new Map(pl.operations.map((o) => [o.id, o.service]));
  const pairs = new Set<string>();
  for (const op of pl.operations) {
    if (!op.service) continue;
    for (const a of anc.get(op.id) ?? []) {
      const s = svcOf.get(a);
      if (s && s !== op.service) pairs.add(`${s}<${op.service}`);
    }
  }
  return pairs;
}

test('every operation comes after the operations it depends on, and each service after all of its dependencies', () => {
  fc.assert(
    fc.property(stackArb, ({ p }) => {
      const pl = plan(p, { containers: [], networks: ['demo_default'] });
      const seen = new Set<string>();
      for (const op of pl.operations) {
        for (const d of op.dependsOn) assert.ok(seen.has(d), `${op.id} before its dependency ${d}`);
        seen.add(op.id);
      }
      // Every container of a service waits for every container of each service it needs
      // (through services scaled to zero, which pass their own dependencies on).
      const anc = ancestors(pl);
      const g = buildServiceGraph(p);
      const startsOf = (svc: string): string[] => {
        const own = pl.operations.filter((o) => o.service === svc && o.type === 'start').map((o) => o.id);
        return own.length ? own : depsOf(g, svc).flatMap((e) => startsOf(e.dep));
      };
      for (const op of pl.operations.filter((o) => o.type === 'create')) {
        for (const e of depsOf(g, op.service as string)) {
          for (const s of startsOf(e.dep)) assert.ok(anc.get(op.id)?.has(s), `${op.id} waits for ${s}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('the down order is the exact reverse of the up order', () => {
  fc.assert(
    fc.property(stackArb, ({ p }) => {
      const up = plan(p, { containers: [], networks: ['demo_default'] });
      const observed = afterApplying({ containers: [] }, up);
      const down = downPlan(p, observed);
      const upPairs = serviceOrder(up);
      const reversed = new Set([...serviceOrder(down)].map((x) => x.split('<').reverse().join('<')));
      assert.deepEqual([...reversed].sort(), [...upPairs].sort());
    }),
    { numRuns: 150 },
  );
});

/** What the host looks like after an executor ran the plan faithfully. */
function afterApplying(before: Observed, pl: Plan): Observed {
  const byName = new Map(before.containers.map((c) => [c.name, { ...c }]));
  let next = 1000;
  for (const op of pl.operations) {
    if (op.kind !== 'container') continue;
    if (op.type === 'remove') byName.delete(op.resource);
    else if (op.type === 'create' || op.type === 'recreate') {
      // A recreate replaces the container with id containerId (its name may change).
      for (const [name, c] of byName) if (c.id === op.containerId) byName.delete(name);
      byName.set(op.resource, { id: String(next++), name: op.resource, service: op.service as string, number: op.number as number, configHash: op.configHash as string, status: 'created' });
    } else if (op.type === 'start' || op.type === 'restart') (byName.get(op.resource) as ObservedContainer).status = 'running';
  }
  return { containers: [...byName.values()], networks: ['demo_default'], volumes: [] };
}

const observedArb = (p: Project) =>
  fc
    .array(
      fc.record({
        svc: fc.constantFrom(...Object.keys(p.services), 'gone'),
        n: fc.integer({ min: 1, max: 4 }),
        stale: fc.boolean(),
        status: fc.constantFrom('running', 'exited', 'created', 'paused', 'dead'),
      }),
      { maxLength: 20 },
    )
    .map((cs) => {
      const byName = new Map<string, ObservedContainer>();
      for (const c of cs) {
        const o = running(p, c.svc, c.n, { status: c.status as ObservedContainer['status'] });
        if (c.stale) o.configHash = 'v1-stale';
        byName.set(o.name, o);
      }
      return { containers: [...byName.values()], networks: ['demo_default'] } as Observed;
    });

test('planning again against the result of the first plan yields only keep operations, and names never collide', () => {
  fc.assert(
    fc.property(
      stackArb.chain(({ p }) =>
        fc.record({
          p: fc.constant(p),
          observed: observedArb(p),
          options: fc.record({ removeOrphans: fc.boolean(), noStart: fc.boolean(), noRecreate: fc.boolean(), scale: fc.option(fc.dictionary(fc.constantFrom(...Object.keys(p.services)), fc.integer({ min: 0, max: 3 })), { nil: undefined }) }),
          selection: fc.subarray(Object.keys(p.services)),
        }),
      ),
      ({ p, observed, options, selection }) => {
        const opts: PlanOptions = { ...options, services: selection };
        const first = plan(p, observed, opts);
        // Ids are unique, and a create never takes the name of a container that exists (even one being removed).
        assert.equal(new Set(first.operations.map((o) => o.id)).size, first.operations.length);
        const existing = new Set(observed.containers.map((c) => c.name));
        for (const o of first.operations) if (o.type === 'create') assert.ok(!existing.has(o.resource), `create ${o.resource} reuses an existing name`);
        const again = plan(p, afterApplying(observed, first), opts);
        const notKept = again.operations.filter((o) => o.type !== 'keep');
        assert.deepEqual(notKept.map((o) => `${o.type} ${o.resource}: ${o.cause}`), []);
      },
    ),
    { numRuns: 200 },
  );
});

test('the walker never runs a node before its dependencies and never exceeds the concurrency bound', async () => {
  await fc.assert(
    fc.asyncProperty(dagArb, fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 14, maxLength: 14 }), async (dag, concurrency, delays) => {
      const deps = new Map(dag.names.map((n, i) => [n, (dag.deps[i] ?? []).map((j) => dag.names[j] as string)]));
      const finished = new Set<string>();
      let active = 0;
      let max = 0;
      const res = await inDependencyOrder({ nodes: dag.names, dependsOn: (id) => deps.get(id) ?? [] }, async (id) => {
        for (const d of deps.get(id) ?? []) assert.ok(finished.has(d), `${id} started before ${d} finished`);
        active++;
        max = Math.max(max, active);
        const ms = delays[dag.names.indexOf(id)] ?? 0;
        await new Promise((r) => (ms ? setTimeout(r, ms) : setImmediate(r)));
        active--;
        finished.add(id);
      }, { concurrency });
      assert.ok(max <= concurrency, `ran ${max} at once with a bound of ${concurrency}`);
      assert.equal(res.done.length, dag.names.length);
    }),
    { numRuns: 60 },
  );
});
