// The compiled default profile installed by the real kernel, through a tiny C probe that does
// what the launch helper does last (no_new_privs, seccomp, execve): ordinary programs run,
// forks, threads and posix_spawn work (clone3 → ENOSYS → clone), and namespace and mount
// syscalls fail with EPERM although the process is root with every capability.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, leftovers } from '../../helpers/env.ts';
import { compileSeccomp } from '../../../executor/security/seccomp.ts';
import { defaultSeccompProfile } from '../../../executor/security/seccomp-profile.ts';
import { capabilitiesOf } from '../../../executor/security/capabilities.ts';

const env = testEnv('seccomp');
const probe = join(env.dir, 'seccomp-exec');
const filter = join(env.dir, 'default.bpf');
let built = false;

before(() => {
  const cc = spawnSync('cc', ['-O2', '-o', probe, new URL('./seccomp-exec.c', import.meta.url).pathname], { encoding: 'utf8' });
  built = cc.status === 0 && existsSync(probe);
  writeFileSync(filter, compileSeccomp(defaultSeccompProfile(capabilitiesOf({}).names)));
});

after(() => {
  const left = leftovers(env.dir);
  env.cleanup();
  assert.deepEqual(left, []);
});

const run = (...argv: string[]) => spawnSync(probe, [filter, ...argv], { encoding: 'utf8', timeout: 10000 });

test('ordinary programs run under the default filter, and the kernel reports it installed', (t) => {
  if (!built) return t.skip('no C compiler');
  const r = run('sh', '-c', 'echo hi; ls / >/dev/null; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hi\n/);
  assert.match(r.stdout, /Seccomp:\s+2/);
  assert.match(r.stdout, /NoNewPrivs:\s+1/);
});

test('threads, fork and posix_spawn work: clone3 answers ENOSYS and libc falls back to clone', (t) => {
  if (!built) return t.skip('no C compiler');
  const py = spawnSync('python3', ['-c', 'pass']);
  if (py.status !== 0) return t.skip('python3 missing');
  const r = run('python3', '-c', [
    'import threading, subprocess, os',
    't = threading.Thread(target=lambda: print("thread")); t.start(); t.join()',
    'print(subprocess.run(["true"]).returncode)',
    'pid = os.fork()',
    'os._exit(0) if pid == 0 else print(os.waitpid(pid, 0)[1])',
  ].join('\n'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'thread\n0\n0\n');
});

test('unshare, mount and a namespace-creating clone fail with EPERM although we are root', (t) => {
  if (!built) return t.skip('no C compiler');
  const u = run('unshare', '--uts', 'true');
  assert.notEqual(u.status, 0);
  assert.match(u.stderr, /Operation not permitted/);
  const m = run('mount', '-t', 'tmpfs', 'none', env.dir);
  assert.notEqual(m.status, 0);
  assert.match(m.stderr, /permission denied|Operation not permitted|must be superuser/i);
  const py = run('python3', '-c', 'import os\ntry:\n  os.unshare(os.CLONE_NEWNET)\nexcept OSError as e:\n  print(e.errno)');
  if (py.status === 0) assert.equal(py.stdout.trim(), '1');
});

test('without the filter the same unshare succeeds, so the refusal above is the filter\'s doing', (t) => {
  if (!built) return t.skip('no C compiler');
  const r = spawnSync('unshare', ['--uts', 'true'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
