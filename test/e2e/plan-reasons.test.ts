// Intent: `up` says why it recreates. Containers record per-key config hashes when created, so after
// an edit of the stack file `up --dry-run` (text and JSON) names the changed key, `up -d` prints it
// ("Container x  Recreate (config changed: environment)"), and a new image for the same reference
// says "image changed". Untouched services are kept.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv } from './cli.ts';
import { busyboxTar } from '../helpers/images.ts';
import type { PlanJson } from '../../planner/render.ts';
import type { ProjectState } from '../../executor/state/journal.ts';

const e = e2eEnv('reasons');
const dir = join(e.dir, 'proj');
mkdirSync(dir, { recursive: true });
after(() => {
  const left = e.teardown(dir);
  e.cleanup();
  assert.deepEqual(left, []);
});

const IMAGE = 'tscompose-test/busybox:latest';
const writeStack = (value: string) => writeFileSync(join(dir, 'compose.yaml'), [
  'services:',
  `  web: {image: "${IMAGE}", command: ["sleep", "3600"], environment: {GREETING: "${value}"}, depends_on: [db]}`,
  `  db: {image: "${IMAGE}", command: ["sleep", "3600"]}`,
].join('\n'));
const tsc = (args: string[]) => e.tsc(['-p', e.project, ...args], { cwd: dir });
const state = () => JSON.parse(readFileSync(join(e.run, e.project, 'state.json'), 'utf8')) as ProjectState;
const byService = (svc: string) => Object.values(state().containers).find((c) => c.service === svc && !c.oneOff);
/** `<type>: <cause>` of each container operation of `up --dry-run --format json`, by container name. */
function dryRunJson(): Record<string, string[]> {
  const r = tsc(['up', '--dry-run', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out: Record<string, string[]> = {};
  for (const op of (JSON.parse(r.stdout) as PlanJson).operations) if (op.kind === 'container') (out[op.resource] ??= []).push(`${op.type}: ${op.cause}`);
  return out;
}

test('an environment edit and a new image: dry runs and up -d name the cause, the rest is kept', () => {
  const web = `${e.project}-web-1`;
  const db = `${e.project}-db-1`;
  writeStack('hello');
  const up = tsc(['up', '-d', '-t', '0']);
  assert.equal(up.code, 0, up.stderr);
  const first = byService('web');
  const dbFirst = byService('db');
  assert.ok(first?.configHashes?.environment, 'the container records per-key hashes');
  assert.ok(first?.configHashes?.['@image_digest'], 'and the digest of the image it runs');
  assert.deepEqual(dryRunJson(), { [db]: ['keep: up to date'], [web]: ['keep: up to date'] });

  // One environment value changes.
  writeStack('bonjour');
  const text = tsc(['up', '--dry-run']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`container ${web} +recreate: config changed \\(environment\\)\\n`));
  assert.match(text.stdout, new RegExp(`container ${db} +keep: up to date\\n`));
  assert.deepEqual(dryRunJson(), { [db]: ['keep: up to date'], [web]: ['recreate: config changed (environment)', 'start: recreated'] });

  const again = tsc(['up', '-d', '-t', '0']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`Container ${web}  Recreate \\(config changed: environment\\)\\n`));
  assert.doesNotMatch(again.stderr, new RegExp(`Container ${db}  (Recreate|Stopping)`));
  const second = byService('web');
  assert.notEqual(second?.id, first?.id, 'web was recreated');
  assert.notEqual(second?.configHashes?.environment, first?.configHashes?.environment);
  assert.equal(second?.configHashes?.command, first?.configHashes?.command);
  assert.equal(byService('db')?.id, dbFirst?.id, 'db was kept');
  assert.deepEqual(dryRunJson(), { [db]: ['keep: up to date'], [web]: ['keep: up to date'] });

  // The same reference now names another image (another config → another manifest digest).
  const imp = e.tsc(['image', 'import', busyboxTar(), IMAGE, '-c', 'CMD ["sh"]', '-c', 'ENV REBUILT=1']);
  assert.equal(imp.code, 0, imp.stderr);
  assert.deepEqual(dryRunJson(), {
    [db]: ['recreate: image changed', 'start: recreated'],
    [web]: ['recreate: image changed', 'start: recreated'],
  });
  const third = tsc(['up', '-d', '-t', '0']);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, new RegExp(`Container ${db}  Recreate \\(image changed\\)\\n`));
  assert.match(third.stderr, new RegExp(`Container ${web}  Recreate \\(image changed\\)\\n`));
  assert.notEqual(byService('web')?.configHashes?.['@image_digest'], second?.configHashes?.['@image_digest']);
  assert.deepEqual(dryRunJson(), { [db]: ['keep: up to date'], [web]: ['keep: up to date'] });

  const down = tsc(['down', '-t', '0']);
  assert.equal(down.code, 0, down.stderr);
});
