// Intent: `pid: service:X` and `ipc: service:X` put the container into X's namespaces (it sees
// X's processes), and `volumes_from: [X]` gives it X's volumes (a file written by one is seen by
// the other) — on real containers, started in dependency order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eStack } from './cli.ts';

const { e, stack } = e2eStack('shared-ns', (e) => `services:
  owner:
    image: tscompose-test/busybox:latest
    command: ["sh", "-c", "echo from-owner > /shared/owner.txt; exec sleep 3601"]
    volumes: ["/shared", "data:/data"]
    stop_grace_period: 0s
  joiner:
    image: tscompose-test/busybox:latest
    command: ["sh", "-c", "echo from-joiner > /data/joiner.txt; sleep 3603 & exec sleep 3602"]
    pid: service:owner
    ipc: service:owner
    volumes_from: [owner]
    stop_grace_period: 0s
volumes:
  data: {}
`);

const sh = (svc: string, script: string) => {
  const r = e.tsc(['-p', e.project, 'exec', '-T', svc, 'sh', '-c', script], { cwd: stack });
  assert.equal(r.code, 0, `${svc}: ${r.stderr}`);
  return r.stdout;
};

test('pid and ipc service: joins the other container\'s namespaces; volumes_from shares its volumes both ways', () => {
  const up = e.tsc(['-p', e.project, 'up', '-d'], { cwd: stack });
  assert.equal(up.code, 0, up.stderr);

  // pid: the joiner sees the owner's PID 1, and the owner sees the joiner's process.
  assert.match(sh('joiner', 'ps -o args'), /sleep 3601/);
  assert.match(sh('owner', 'ps -o args'), /sleep 3602/);
  const ns = (svc: string) => sh(svc, 'for n in pid ipc mnt; do readlink /proc/self/ns/$n; done').split('\n');
  const [ownerPid, ownerIpc, ownerMnt] = ns('owner');
  const [joinerPid, joinerIpc, joinerMnt] = ns('joiner');
  assert.equal(joinerPid, ownerPid);
  assert.equal(joinerIpc, ownerIpc);
  assert.notEqual(joinerMnt, ownerMnt, 'each keeps its own filesystem');

  // volumes_from: the anonymous and the named volume of the owner, both ways.
  assert.equal(sh('joiner', 'cat /shared/owner.txt').trim(), 'from-owner');
  assert.equal(sh('owner', 'cat /data/joiner.txt').trim(), 'from-joiner');
  sh('joiner', 'echo later > /shared/later.txt');
  assert.equal(sh('owner', 'cat /shared/later.txt').trim(), 'later');

  // Stopping the joiner ends every process of it, not only its main one: in the owner's PID
  // namespace its background child would otherwise be adopted by the owner's PID 1 and live on.
  assert.match(sh('owner', 'ps -o args'), /sleep 3603/);
  const stop = e.tsc(['-p', e.project, 'stop', 'joiner'], { cwd: stack });
  assert.equal(stop.code, 0, stop.stderr);
  assert.doesNotMatch(sh('owner', 'ps -o args'), /sleep 360[23]/);

  const down = e.tsc(['-p', e.project, 'down', '-v', '-t', '0'], { cwd: stack });
  assert.equal(down.code, 0, down.stderr);
});
