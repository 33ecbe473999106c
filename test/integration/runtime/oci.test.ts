// The OCI-runtime-style front end on a bundle made by `crun spec`: the same bundle crun and
// runc run. Lifecycle create → start → state → kill → delete, and run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers, cgroupDirs } from '../../helpers/env.ts';
import { busyboxLower } from './fixture.ts';
import { create, start, state, killContainer, remove, run, exec } from '../../../executor/runtime/oci-runtime.ts';
import { waitExit } from '../../../executor/runtime/runtime.ts';

const env = testEnv('oci');
process.env.TSCOMPOSE_ROOT = env.root;
process.env.TSCOMPOSE_RUN = env.run;
const bundle = join(env.dir, 'bundle');
const hasCrun = spawnSync('crun', ['--version']).status === 0;

before(() => {
  if (!hasCrun) return;
  mkdirSync(bundle, { recursive: true });
  execFileSync('crun', ['spec'], { cwd: bundle });
  execFileSync('cp', ['-a', busyboxLower(env.dir), join(bundle, 'rootfs')]);
});
after(() => {
  const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
  env.cleanup();
  assert.deepEqual(left, []);
});

function setArgs(args: string[]) {
  const p = join(bundle, 'config.json');
  const c = JSON.parse(readFileSync(p, 'utf8'));
  c.process.terminal = false;
  c.process.args = args;
  writeFileSync(p, JSON.stringify(c));
}

test('run executes a crun-made bundle and returns its exit code and output', async (t) => {
  if (!hasCrun) return t.skip('crun is not installed (it makes the reference bundle)');
  setArgs(['sh', '-c', 'echo pid $$ on $(hostname); exit 3']);
  let log = '';
  const exit = await run({ bundle, id: `${env.project}-r` }, (l) => { log = l; });
  assert.equal(exit.code, 3);
  assert.match(log, / stdout F pid 1 on crun$/m);
  assert.ok(!existsSync(join(env.run, 'runtime', `${env.project}-r`)), 'run deletes the container');
});

test('create waits for start; state, kill and delete follow the OCI lifecycle', async (t) => {
  if (!hasCrun) return t.skip('crun is not installed (it makes the reference bundle)');
  setArgs(['sleep', '30']);
  const id = `${env.project}-l`;
  const st = await create({ bundle, id, gated: true });
  t.after(() => remove(id, true).catch(() => {})); // on a failed assertion too: no cgroup or process left
  assert.equal(state(id).status, 'created');
  assert.match(readFileSync(`/proc/${st.pid}/cmdline`, 'utf8'), /^\/work|tscompose-helper/, 'not yet exec\'d: still the helper');
  await start(id);
  assert.equal(state(id).status, 'running');
  // OCI start (like runc's) returns once the gate is opened; the execve follows a moment later.
  const argv0 = () => readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').split('\0')[0];
  for (const t0 = Date.now(); argv0() !== 'sleep' && Date.now() - t0 < 2000;) await new Promise((r) => setTimeout(r, 5));
  assert.equal(argv0(), 'sleep');
  assert.equal(await exec(id, ['sh', '-c', 'test $$ != 1 && exit 5']), 5, 'exec runs beside PID 1 and returns its code');
  await assert.rejects(remove(id, false), /is running/);
  killContainer(id, 'KILL');
  await waitExit(join(env.run, 'runtime', id));
  const s = state(id);
  assert.equal(s.status, 'stopped');
  assert.equal(s.exit?.code, 137);
  await remove(id, false);
  assert.throws(() => state(id), /does not exist/);
  assert.deepEqual(cgroupDirs().filter((d) => d.includes(id)), []);
});

test('delete --force kills a running container', async (t) => {
  if (!hasCrun) return t.skip('crun is not installed (it makes the reference bundle)');
  setArgs(['sleep', '30']);
  const id = `${env.project}-f`;
  await create({ bundle, id, gated: false });
  t.after(() => remove(id, true).catch(() => {}));
  assert.equal(state(id).status, 'running');
  await remove(id, true);
  assert.throws(() => state(id), /does not exist/);
});
