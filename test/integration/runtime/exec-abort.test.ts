// Intent: execIn's signal/timeoutMs kill the exec'd process and what it started (a background
// child included) and reject with EXEC_TIMEOUT / EXEC_ABORTED; an exec that ends in time is not
// affected.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { makeContainer } from './fixture.ts';
import { buildSpec, launch, waitExit, execIn, kill, waiterGone } from '../../../executor/runtime/runtime.ts';
import { readContainerEtc } from '../../../executor/runtime/etc-files.ts';
import { ContainerError, TscError } from '../../../schema/errors.ts';
import type { Service } from '../../../schema/model.ts';

const env = testEnv('exec-abort');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
const c = makeContainer(env);
let pid1 = 0;

after(async () => {
  if (pid1) { kill(pid1, 'SIGKILL'); await waitExit(c.dir); }
  await waiterGone(c.dir);
  c.dispose();
  const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, [], 'no mount, cgroup or process of ours is left');
});

/** Command lines of the processes in the container's pids cgroup. */
function inContainer(): string[] {
  const procs = c.cgroupProcs[0]!;
  return readFileSync(procs, 'utf8').split('\n').filter(Boolean).map((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { return ''; }
  }).filter(Boolean);
}

/** Processes matching `re` still in the container after up to 2 s: SIGKILL is delivered asynchronously. */
async function gone(re: RegExp): Promise<string[]> {
  let left = inContainer().filter((l) => re.test(l));
  for (let i = 0; i < 40 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = inContainer().filter((l) => re.test(l));
  }
  return left;
}

const stoppedWith = (code: string) => (e: unknown) =>
  e instanceof ContainerError && e.cause instanceof TscError && e.cause.code === code;

test('a timed-out or aborted exec is killed with its children; one that ends in time returns its status', async () => {
  const service: Service = { environment: {}, labels: {}, depends_on: {}, image: 'busybox', command: ['sleep', '600'] };
  const spec = buildSpec({
    id: c.id, name: 'exec-abort-1', service, image: {}, rootfs: c.rootfs,
    etc: { passwd: readContainerEtc(c.rootfs, 'passwd'), group: readContainerEtc(c.rootfs, 'group') },
  });
  pid1 = (await launch({ id: c.id, name: 'exec-abort-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs })).pid;
  const base = { name: 'exec-abort-1', pid: pid1, cgroupProcs: c.cgroupProcs, containerDir: c.dir };

  const t0 = Date.now();
  await assert.rejects(execIn({ ...base, argv: ['sh', '-c', 'sleep 31 & sleep 32; echo never'], timeoutMs: 300 }), stoppedWith('EXEC_TIMEOUT'));
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(await gone(/sleep 3[12]/), [], 'the exec and its background child are gone');

  const ac = new AbortController();
  const p = execIn({ ...base, argv: ['sleep', '33'], signal: ac.signal });
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(p, stoppedWith('EXEC_ABORTED'));
  assert.deepEqual(await gone(/sleep 33/), []);

  const ok = await execIn({ ...base, argv: ['sh', '-c', 'echo fine; exit 3'], timeoutMs: 5000, signal: new AbortController().signal });
  assert.equal(ok.code, 3);
  assert.equal(ok.stdout, 'fine\n');
});
