// Volumes as containers see them: named volumes seeded from the image on first use and kept
// across container recreation, nocopy, anonymous volumes, create_host_path, removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeSuite } from './fixture.ts';
import { buildSpec, launch, waitExit, waiterGone } from '../../../executor/runtime/runtime.ts';
import { prepareVolumes } from '../../../executor/volume/prepare.ts';
import { inspectVolume, listVolumes, removeVolume } from '../../../executor/volume/volume.ts';
import { paths } from '../../../executor/state/paths.ts';
import type { Service, ServiceVolume } from '../../../schema/model.ts';

const { env, container } = runtimeSuite('volume');
const project = { name: env.project, volumes: { data: { name: `${env.project}_data` }, other: { name: `${env.project}_other` } } };


async function run(script: string, volumes: ServiceVolume[], imageVolumes: string[] = []) {
  const c = container();
  const service: Service = { environment: {}, labels: {}, depends_on: {}, command: ['sh', '-c', script], volumes };
  const prepared = await prepareVolumes({ project, service, rootfs: c.rootfs, imageVolumes });
  const spec = buildSpec({ id: c.id, name: 'vol-1', service, image: {}, rootfs: c.rootfs, volumes: prepared.volumes, anonymousVolumes: prepared.anonymousVolumes });
  await launch({ id: c.id, name: 'vol-1', spec, containerDir: c.dir, cgroupProcs: c.cgroupProcs });
  const exit = await waitExit(c.dir);
  const out = readFileSync(join(c.dir, 'log'), 'utf8').split('\n').filter((l) => l.includes(' stdout ')).map((l) => l.split(' ').slice(3).join(' '));
  await waiterGone(c.dir);
  c.dispose();
  return { exit, out, prepared };
}

test('a named volume is seeded from the image on first use and its data survives recreation', async () => {
  const first = await run('cat /data/seed.txt; echo kept > /data/new.txt', [{ type: 'volume', source: 'data', target: '/data' }]);
  assert.deepEqual(first.out, ['from the image']);
  const dir = paths.volumeData(`${env.project}_data`);
  assert.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), 'kept\n');
  // a new container (a recreate) sees what the old one wrote, and is not re-seeded over it
  const second = await run('cat /data/new.txt; ls /data | sort | tr "\\n" " "', [{ type: 'volume', source: 'data', target: '/data' }]);
  assert.deepEqual(second.out, ['kept', 'new.txt seed.txt ']);
  assert.equal(inspectVolume(`${env.project}_data`)?.project, env.project);
});

test('nocopy leaves a new volume empty', async () => {
  const r = await run('ls -A /data | wc -l', [{ type: 'volume', source: 'other', target: '/data', volume: { nocopy: true } }]);
  assert.deepEqual(r.out, ['0']);
});

test('anonymous volumes (service and image VOLUME) are created, seeded and mounted', async () => {
  const r = await run('cat /data/seed.txt; echo a > /cache/x; grep -c " /cache " /proc/self/mountinfo', [{ type: 'volume', target: '/data' }], ['/cache']);
  assert.deepEqual(r.out, ['from the image', '1']);
  const names = Object.values(r.prepared.anonymousNames);
  assert.equal(names.length, 2);
  for (const n of names) assert.equal(inspectVolume(n)?.anonymous, true);
  assert.equal(readFileSync(join(paths.volumeData(r.prepared.anonymousNames['/cache']!), 'x'), 'utf8'), 'a\n');
});

test('create_host_path makes a missing bind source; without it the launch fails at the mount step', async () => {
  const src = join(env.dir, 'made-by-bind');
  const r = await run('echo hi > /b/f', [{ type: 'bind', source: src, target: '/b', bind: { create_host_path: true } }]);
  assert.equal(r.exit.code, 0);
  assert.equal(readFileSync(join(src, 'f'), 'utf8'), 'hi\n');
  await assert.rejects(run('true', [{ type: 'bind', source: join(env.dir, 'absent'), target: '/b' }]), /mount .*absent: ENOENT/);
});

test('removing a volume deletes its data; listing shows what exists', () => {
  const names = listVolumes().map((v) => v.name);
  assert.ok(names.includes(`${env.project}_data`));
  removeVolume(`${env.project}_data`);
  assert.ok(!existsSync(paths.volume(`${env.project}_data`)));
  removeVolume(`${env.project}_data`); // idempotent
  assert.ok(!readdirSync(paths.volumes()).includes(`${env.project}_data`));
  assert.throws(() => removeVolume('../etc'), /Invalid volume name/);
});
