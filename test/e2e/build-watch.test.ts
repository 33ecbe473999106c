// Intent: watch's `rebuild` action on a real build. `tscompose watch` brings up a service whose
// image is built from its Dockerfile; editing a file of its build context rebuilds the image
// (from that file's COPY on) and recreates the service's container, which then runs the new
// content; the other service is left alone; Ctrl-C ends watch and `down` leaves nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { e2eEnv, exitOf } from './cli.ts';
import { readState } from '../../executor/state/journal.ts';

const e = e2eEnv('bwatch');
const stack = join(e.dir, 'stack');
mkdirSync(join(stack, 'app'), { recursive: true });
writeFileSync(join(stack, 'compose.yaml'), `services:
  app:
    build: ./app
    init: true
    develop:
      watch:
        - action: rebuild
          path: ./app/msg.txt
  other:
    image: tscompose-test/busybox:latest
    init: true
    command: ["sleep", "300"]
`);
writeFileSync(join(stack, 'app/Dockerfile'), 'FROM tscompose-test/busybox:latest\nRUN echo prepared > /prep\nCOPY msg.txt /msg.txt\nCMD ["sleep", "300"]\n');
writeFileSync(join(stack, 'app/msg.txt'), 'first\n');
process.env.TSCOMPOSE_ROOT = e.root;
process.env.TSCOMPOSE_RUN = e.run;

let child: ChildProcess | undefined;
let out = '';
const tsc = (args: string[]) => e.tsc(['-p', e.project, ...args], { cwd: stack, timeoutMs: 60_000 });
const ids = (service: string) => Object.values(readState(e.project).containers).filter((c) => c.service === service && !c.oneOff).map((c) => c.id).sort();

async function eventually(fn: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; watch printed:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  child = e.spawnTsc(['-p', e.project, 'watch', '-t', '0'], { cwd: stack });
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  await eventually(() => out.includes('Watching 1 service(s)'), 90_000, 'watch to be ready');
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exitOf(child, 10_000, 'watch').catch(() => undefined);
  }
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('editing a build-context file rebuilds the image and recreates only that service', async () => {
  assert.equal(tsc(['exec', '-T', 'app', 'cat', '/msg.txt']).stdout, 'first\n');
  const before = { app: ids('app'), other: ids('other') };
  assert.equal(before.app.length, 1);

  writeFileSync(join(stack, 'app/msg.txt'), 'second\n');
  await eventually(() => { const a = ids('app'); return a.length === 1 && a[0] !== before.app[0]; }, 60_000, 'app recreated');
  await eventually(() => tsc(['exec', '-T', 'app', 'cat', '/msg.txt']).stdout === 'second\n', 20_000, 'the new content in app');
  await eventually(() => /app: rebuilt and recreated \(\d+ ms\)/.test(out), 10_000, 'the rebuild line');
  // The RUN before the COPY came from the cache; the COPY ran again.
  assert.match(out, /\[app 2\/\d+\] CACHED/);
  assert.match(out, /\[app 3\/\d+\] COPY msg\.txt \/msg\.txt/);
  assert.deepEqual(ids('other'), before.other, 'other kept its container');

  child!.kill('SIGINT');
  assert.equal(await exitOf(child!, 20_000, 'watch after Ctrl-C'), 0);
  const down = tsc(['down', '-t', '0']);
  assert.equal(down.code, 0, down.stderr);
});
