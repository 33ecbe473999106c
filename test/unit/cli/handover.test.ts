// Intent: the project the `up -d` client hands to its supervisor is the same model the supervisor
// would have loaded itself (every field, every service's config hash: a difference would recreate
// containers on the next `up`), and it still points errors at the stack file: origins come from a
// reload of the stack files on first read only, and a stack file changed since gives no position
// rather than a wrong one. The hand-over file is removed once read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProjectSync } from '../../../schema/load.ts';
import type { Project } from '../../../schema/model.ts';
import { serviceConfigHash } from '../../../planner/hash.ts';
import { decodeProject, encodeProject, HANDOVER_ENV, loadProjectSyncLazily, takeHandover, writeHandover } from '../../../cli/handover.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const env = { HOME: '/root', PATH: '/usr/bin' };

function stackDirs(): string[] {
  const dirs: string[] = [];
  for (const base of ['examples/stacks', 'test/fixtures/compose']) {
    for (const d of readdirSync(join(repo, base))) {
      const dir = join(repo, base, d);
      if (statSync(dir).isDirectory() && ['compose.yaml', 'docker-compose.yml', 'compose.yml'].some((f) => existsSync(join(dir, f)))) dirs.push(dir);
    }
  }
  return dirs;
}

function withoutOrigins(p: Project): Omit<Project, 'origins'> {
  const { origins: _o, ...rest } = p;
  return rest;
}

test('round trip: every example and fixture stack comes back field for field, with the same config hashes', () => {
  let loaded = 0;
  for (const dir of stackDirs()) {
    let p: Project;
    try {
      p = loadProjectSync({ cwd: dir, env });
    } catch {
      continue; // a fixture that needs variables or files of a test: covered by the ones that load
    }
    loaded++;
    const back = decodeProject(encodeProject(p), () => p);
    assert.deepEqual(withoutOrigins(back), withoutOrigins(p), dir);
    for (const s of Object.keys(p.services)) assert.equal(serviceConfigHash(back, s), serviceConfigHash(p, s), `${dir} ${s}`);
  }
  assert.ok(loaded >= 8, `only ${loaded} stacks loaded`);
});

test('origins: reloaded on the first read only, and give the file:line of a key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-handover-'));
  try {
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    container_name: one\n');
    const p = loadProjectSync({ cwd: dir, env });
    let reloads = 0;
    const back = decodeProject(encodeProject(p), () => { reloads++; return loadProjectSync({ cwd: dir, env }); });
    assert.equal(reloads, 0, 'nothing reloaded before an origin is asked for');
    const o = back.origins.get('services.web.container_name');
    assert.deepEqual(o && { file: o.file, line: o.line }, { file: join(dir, 'compose.yaml'), line: 4 });
    back.origins.get('services.web.image');
    assert.equal(reloads, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('origins: a stack file that changed (or no longer loads) gives no positions, never wrong ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-handover-'));
  try {
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, 'services:\n  web:\n    image: busybox\n');
    const text = encodeProject(loadProjectSync({ cwd: dir, env }));
    writeFileSync(file, 'services:\n\n\n  web:\n    image: busybox:1.36\n');
    assert.equal(decodeProject(text, () => loadProjectSync({ cwd: dir, env })).origins.get('services.web.image'), undefined);
    writeFileSync(file, 'services: [\n');
    assert.equal(decodeProject(text, () => loadProjectSync({ cwd: dir, env })).origins.size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('takeHandover reads the file named by the environment, removes it and the variable; none → undefined', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-handover-'));
  try {
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
    const p = loadProjectSync({ cwd: dir, env });
    const h = writeHandover(dir, p);
    const file = h.env[HANDOVER_ENV]!;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    process.env[HANDOVER_ENV] = file;
    const got = takeHandover(() => p);
    assert.equal(got?.name, p.name);
    assert.equal(existsSync(file), false);
    assert.equal(process.env[HANDOVER_ENV], undefined);
    assert.equal(takeHandover(() => p), undefined);
    process.env[HANDOVER_ENV] = join(dir, 'gone.json');
    assert.equal(takeHandover(() => p), undefined);
    h.remove(); // already gone: no error
  } finally {
    delete process.env[HANDOVER_ENV];
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadProjectSyncLazily gives the schema loader (require of the ES module)', () => {
  assert.equal(loadProjectSyncLazily(), loadProjectSync);
});
