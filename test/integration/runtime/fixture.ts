// A busybox container for runtime tests, without the image store: a rootfs dir made from
// Debian's busybox-static (shared by the tests of one file), an overlay per container in the
// test's TSCOMPOSE_ROOT, and a cgroup in the pids and memory hierarchies. Everything made here
// is removed by `dispose()`, and the tests check that with leftovers().
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, symlinkSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, leftovers, cgroupDirs, type TestEnv } from '../../helpers/env.ts';
import { paths } from '../../../executor/state/paths.ts';
import { waiterGone } from '../../../executor/runtime/runtime.ts';

export function busyboxLower(dir: string): string {
  const root = join(dir, 'busybox-rootfs');
  if (existsSync(join(root, 'bin', 'busybox'))) return root;
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/app', 'data']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  execFileSync('chmod', ['755', join(root, 'bin', 'busybox')]);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nwheel:x:10:app\napp:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'data', 'seed.txt'), 'from the image\n');
  return root;
}

export interface TestContainer {
  id: string;
  dir: string;
  rootfs: string;
  cgroupProcs: string[];
  oomFile: string;
  dispose(): void;
}

const HIERARCHIES = ['pids', 'memory'];

export function makeContainer(env: TestEnv, opts: { cgroups?: boolean } = {}): TestContainer {
  const id = randomBytes(32).toString('hex');
  const dir = paths.container(id);
  for (const d of ['upper', 'work', 'merged']) mkdirSync(join(dir, d), { recursive: true });
  const lower = busyboxLower(env.dir);
  const merged = join(dir, 'merged');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, merged]);
  const cgDirs = opts.cgroups === false ? [] : HIERARCHIES.map((h) => join('/sys/fs/cgroup', h, 'tscompose', env.project, id));
  for (const d of cgDirs) mkdirSync(d, { recursive: true });
  return {
    id, dir, rootfs: merged,
    cgroupProcs: cgDirs.map((d) => join(d, 'cgroup.procs')),
    oomFile: cgDirs[1] ? join(cgDirs[1], 'memory.oom_control') : '',
    dispose() {
      // Kill whatever is still in the cgroups, then remove them bottom-up.
      for (const d of cgDirs) {
        for (let i = 0; i < 50 && existsSync(d); i++) {
          const pids = readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
          for (const p of pids) try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
          try { rmdirSync(d); } catch { execFileSync('sleep', ['0.02']); }
        }
      }
      for (const h of HIERARCHIES) {
        const proj = join('/sys/fs/cgroup', h, 'tscompose', env.project);
        try { if (readdirSync(proj, { withFileTypes: true }).every((e) => !e.isDirectory())) rmdirSync(proj); } catch { /* absent */ }
        // The shared parent goes with its last child (the kernel refuses while another test's project is there).
        try { rmdirSync(dirname(proj)); } catch { /* still in use, or gone */ }
      }
      try { execFileSync('umount', [merged], { stdio: 'ignore' }); } catch { /* not mounted */ }
    },
  };
}

/** The set-up a runtime test file shares: its own TSCOMPOSE_ROOT/RUN, and `container()` that makes a
 *  container the file's after() waits for (its waiter gone), disposes, and then asserts that no
 *  mount, cgroup or process of the file's is left. Call at the top level of the test file. */
export function runtimeSuite(name: string): { env: TestEnv; container(opts?: { cgroups?: boolean }): TestContainer } {
  const env = testEnv(name);
  process.env.TSCOMPOSE_ROOT = env.root;
  process.env.TSCOMPOSE_RUN = env.run;
  const made: TestContainer[] = [];
  before(() => mkdirSync(env.root, { recursive: true }));
  after(async () => {
    for (const c of made) await waiterGone(c.dir);
    for (const c of made) c.dispose();
    const left = [...leftovers(env.dir), ...cgroupDirs().filter((d) => d.includes(env.project))];
    env.cleanup();
    assert.deepEqual(left, [], 'no mount, cgroup or process of ours is left');
  });
  return {
    env,
    container(opts = {}) {
      const c = makeContainer(env, opts);
      made.push(c);
      return c;
    },
  };
}
