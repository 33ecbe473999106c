// The per-key config hashes go from container creation (journal record) through observe() to the
// planner, which names the keys that changed; records written before they existed still plan.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../../helpers/env.ts';
import { FakeEngine, fakeCtx, project, service } from '../supervisor/fakes.ts';
import { createContainer } from '../../../executor/supervisor/containers.ts';
import { downProject } from '../../../executor/supervisor/down.ts';
import { Journal, readState } from '../../../executor/state/journal.ts';
import { observe } from '../../../executor/state/observe.ts';
import { configHash, configKeyHashes } from '../../../planner/hash.ts';
import { plan } from '../../../planner/plan.ts';
import type { Project, Service } from '../../../schema/model.ts';
import type { ProcReader } from '../../../executor/state/proc.ts';

const env = testEnv('cfghashes');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

const containerOps = (pl: ReturnType<typeof plan>) => pl.operations.filter((o) => o.kind === 'container').map((o) => `${o.type}: ${o.cause}`);
const noProc: ProcReader = { startTime: () => undefined };
let n = 0;

/** Creates `web` in a fresh project through the supervisor's createContainer and returns what the next plan sees. */
async function created(web: Service, digest?: string): Promise<{ name: string; p: Project; observedAfter: () => ReturnType<typeof observe> }> {
  const name = `${env.project}h${n++}`;
  const fake = new FakeEngine();
  const ctx = fakeCtx(name, fake);
  if (digest) {
    const ensure = ctx.engine.images.ensure;
    ctx.engine.images.ensure = async (ref, policy) => ({ ...(await ensure(ref, policy)), digest });
  }
  const p = project(name, { web });
  await createContainer(ctx, p, 'web', 1, { configHash: configHash(web, digest ? { imageDigest: digest } : undefined) });
  after(() => downProject({ ...fakeCtx(name, fake), journal: new Journal(name) }, { timeoutMs: 0 }));
  return { name, p, observedAfter: () => observe(readState(name), { proc: noProc, readExit: () => undefined }) };
}

test('createContainer records the per-key hashes of the service and the image digest it got; observe passes them on', async () => {
  const web = service({ environment: { A: '1' } });
  const { name, observedAfter } = await created(web, 'sha256:aaa');
  const rec = Object.values(readState(name).containers)[0];
  assert.deepEqual(rec?.configHashes, configKeyHashes(web, { imageDigest: 'sha256:aaa' }));
  assert.ok(rec?.configHashes?.['@image_digest'], 'the image digest has its own key');
  assert.deepEqual(observedAfter().containers[0]?.configHashes, rec?.configHashes);
});

test('the next plan names the changed key: environment, and an image alone says "image changed"', async () => {
  const web = service({ environment: { A: '1' } });
  const { p, observedAfter } = await created(web, 'sha256:aaa');
  const observed = observedAfter();
  const changedEnv = { ...p, services: { web: { ...web, environment: { A: '2' } } } };
  const r1 = plan(changedEnv, observed, { imageDigests: { web: 'sha256:aaa' } }).operations.find((o) => o.type === 'recreate');
  assert.equal(r1?.cause, 'config changed (environment)');
  const r2 = plan(p, observed, { imageDigests: { web: 'sha256:bbb' } }).operations.find((o) => o.type === 'recreate');
  assert.equal(r2?.cause, 'image changed');
  const both = plan(changedEnv, observed, { imageDigests: { web: 'sha256:bbb' } }).operations.find((o) => o.type === 'recreate');
  assert.equal(both?.cause, 'config changed (environment, image digest)');
  // Same config, same digest: not recreated, only started (it was created, never started).
  assert.deepEqual(containerOps(plan(p, observed, { imageDigests: { web: 'sha256:aaa' } })), ['start: created, never started']);
});

test('a record written before configHashes were stored still plans: plain "config changed"', async () => {
  const web = service({ environment: { A: '1' } });
  const { name, p } = await created(web);
  const s = readState(name);
  for (const c of Object.values(s.containers)) delete c.configHashes;
  const observed = observe(s, { proc: noProc, readExit: () => undefined });
  assert.equal(observed.containers[0]?.configHashes, undefined);
  const changed = { ...p, services: { web: { ...web, environment: { A: '2' } } } };
  assert.equal(plan(changed, observed).operations.find((o) => o.type === 'recreate')?.cause, 'config changed');
  assert.deepEqual(containerOps(plan(p, observed)), ['start: created, never started']);
});
