// tty: true — PID 1's terminal comes from the container's own devpts, as docker's (runc's console
// socket): `tty` names a /dev/pts node that exists inside the container, the terminal is the
// app's controlling tty, and a `user:` owns it. Real namespaces, overlay, cgroups; nothing left after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeSuite } from './fixture.ts';
import { buildSpec, launch, waitExit } from '../../../executor/runtime/runtime.ts';
import { readContainerEtc } from '../../../executor/runtime/etc-files.ts';
import type { Service } from '../../../schema/model.ts';

const { env, container } = runtimeSuite('rt-tty');

/** Runs `sh -c script` with tty: true; returns the CRI log's stdout lines and the exit status. */
async function runTty(script: string, s: Partial<Service> = {}) {
  const c = container();
  const service: Service = { environment: {}, labels: {}, depends_on: {}, image: 'busybox', command: ['sh', '-c', script], tty: true, ...s };
  const spec = buildSpec({
    id: c.id, name: 'tty-1', service, image: {}, rootfs: c.rootfs,
    etc: { passwd: readContainerEtc(c.rootfs, 'passwd'), group: readContainerEtc(c.rootfs, 'group') },
  });
  await launch({ id: c.id, name: 'tty-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  const exit = await waitExit(c.dir);
  const log = readFileSync(join(c.dir, 'log'), 'utf8');
  const out = log.split('\n').filter((l) => l.split(' ')[1] === 'stdout').map((l) => l.split(' ').slice(3).join(' '));
  return { exit, out, log };
}

test('tty: true — `tty` names a /dev/pts node of the container\'s own devpts, and stty works on it', async () => {
  const r = await runTty('tty; t=$(tty); [ -c "$t" ] && echo EXISTS; ls -1 /dev/pts; stty size; [ "$(stty -F "$t" size)" = "24 80" ] && echo BYPATH');
  assert.equal(r.exit.code, 0, r.log);
  // The container's devpts is a fresh instance: PID 1's terminal is its first (and only) pty.
  assert.deepEqual(r.out, ['/dev/pts/0', 'EXISTS', '0', 'ptmx', '24 80', 'BYPATH']);
  assert.ok(!r.log.includes('\r'), 'the log has no \\r');
});

test('tty: true — the terminal is PID 1\'s controlling tty: /dev/tty opens, and the session leader is PID 1', async () => {
  // /proc/1/stat fields 6 and 7: session id and controlling tty (136:0 = /dev/pts/0 → 136 << 8).
  const r = await runTty('echo via-dev-tty > /dev/tty; readlink /proc/1/fd/0; cut -d" " -f6,7 /proc/1/stat');
  assert.equal(r.exit.code, 0, r.log);
  assert.deepEqual(r.out, ['via-dev-tty', '/dev/pts/0', `1 ${136 << 8}`]);
});

test('tty: true with user: the user owns its terminal (as docker), the group stays tty', async () => {
  const r = await runTty('id -u; stat -c "%u %g %a" "$(tty)"; echo ok > "$(tty)"', { user: '1000' });
  assert.equal(r.exit.code, 0, r.log);
  assert.deepEqual(r.out, ['1000', '1000 5 620', 'ok']);
});

test('tty: true with read_only: the pty still comes from the container\'s devpts', async () => {
  const r = await runTty('tty; stty size', { read_only: true });
  assert.equal(r.exit.code, 0, r.log);
  assert.deepEqual(r.out, ['/dev/pts/0', '24 80']);
});
