// Intent: watch mode on real containers of examples/stacks/dev-watch. The stack runs (`up -d`), a
// watch session (executor/watch) drives it through a WatchActions built on the CLI and the
// containers' own specs: host edits show up inside the containers at once, deletions too,
// config edits restart the service once, hook edits run the exec, a symlink planted inside a
// container cannot be used to write outside it, and a 2,000-file burst arrives whole.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync, unlinkSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, freePort, STACKS, BIN } from './cli.ts';
import { spawn } from 'node:child_process';
import { loadProject } from '../../schema/load.ts';
import { readState } from '../../executor/state/journal.ts';
import { startWatch, type WatchSession } from '../../executor/watch/session.ts';
import { readContainerView } from '../../executor/watch/container-view.ts';
import { rebuildUnavailable, type WatchActions } from '../../executor/watch/actions.ts';

const e = e2eEnv('watch');
const stack = join(e.dir, 'dev-watch');
cpSync(`${STACKS}/dev-watch`, stack, { recursive: true });
// readContainerView and readState find the containers through these.
process.env.TSCOMPOSE_ROOT = e.root;
process.env.TSCOMPOSE_RUN = e.run;

let port = 0;
let session: WatchSession | undefined;
const lines: string[] = [];

/** The CLI without blocking this process's event loop (the watch session runs on it). */
function tscAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(BIN, ['-p', e.project, ...args], { cwd: stack, env: { ...e.env, DEV_WATCH_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const running = (service: string) => Object.values(readState(e.project).containers).filter((c) => c.service === service && c.desired === 'running');

const actions: WatchActions = {
  async containers(service) { return running(service).map((c) => readContainerView(c.id, c.pid)); },
  async restart(service) {
    const r = await tscAsync(['restart', '-t', '0', service]);
    if (r.code !== 0) throw new Error(r.stderr);
  },
  async exec(id, ex) {
    const c = Object.values(readState(e.project).containers).find((x) => x.id === id)!;
    const r = await tscAsync(['exec', c.service, ...ex!.command]);
    lines.push(`exec output: ${r.stdout.trim()}`);
    return { code: r.code };
  },
  async rebuild(service) { throw rebuildUnavailable(service); },
  async reload() {},
  log(l) { lines.push(l); },
};

async function page(path: string): Promise<string> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return r.status === 200 ? await r.text() : `HTTP ${r.status}`;
  } catch (err) { return `fetch failed: ${(err as Error).message}`; }
}

async function eventually(fn: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; watch said:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  port = await freePort();
  const up = await tscAsync(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  const project = await loadProject({ files: [join(stack, 'compose.yaml')], projectDirectory: stack, projectName: e.project, env: { DEV_WATCH_PORT: String(port) } });
  session = await startWatch(project, actions, { stackFiles: [] });
});

after(async () => {
  await session?.close();
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

test('initial sync puts the site into the web container, and an edit is served at once', async () => {
  await eventually(async () => (await page('/index.html')).includes('Edit examples/stacks/dev-watch'), 15_000, 'the initial page');
  const t0 = performance.now();
  writeFileSync(join(stack, 'site/index.html'), 'edited on the host\n');
  await eventually(async () => (await page('/index.html')) === 'edited on the host\n', 10_000, 'the edited page');
  const ms = performance.now() - t0;
  assert.ok(lines.some((l) => /^web: synced \/www\/index\.html \(\d+ ms\)$/.test(l)), lines.join('\n'));
  process.stdout.write(`# host edit → served by httpd in the container: ${ms.toFixed(0)} ms\n`);
});

test('new files and directories appear, renamed and deleted ones go, ignored ones never arrive', async () => {
  mkdirSync(join(stack, 'site/docs'));
  writeFileSync(join(stack, 'site/docs/a.html'), 'A');
  writeFileSync(join(stack, 'site/scratch.tmp'), 'ignored');
  await eventually(async () => (await page('/docs/a.html')) === 'A', 10_000, 'a new file in a new dir');
  renameSync(join(stack, 'site/docs/a.html'), join(stack, 'site/docs/b.html'));
  await eventually(async () => (await page('/docs/b.html')) === 'A', 10_000, 'the renamed file');
  await eventually(async () => (await page('/docs/a.html')) === 'HTTP 404', 10_000, 'the old name gone');
  unlinkSync(join(stack, 'site/docs/b.html'));
  await eventually(async () => (await page('/docs/b.html')) === 'HTTP 404', 10_000, 'the deleted file gone');
  assert.equal(await page('/scratch.tmp'), 'HTTP 404');
});

test('a synced directory swapped for a symlink inside the container cannot be used to write outside it', async () => {
  mkdirSync(join(stack, 'site/escape'));
  writeFileSync(join(stack, 'site/escape/first.txt'), '1');
  await eventually(async () => (await page('/escape/first.txt')) === '1', 10_000, 'the directory synced');
  // A process in the container replaces the directory with a symlink to its root…
  const ln = await tscAsync(['exec', 'web', 'sh', '-c', 'rm -rf /www/escape && ln -s / /www/escape']);
  assert.equal(ln.code, 0, ln.stderr);
  // …then the next host edit below it must not follow that symlink.
  const name = `tscompose-e2e-escape-${process.pid}`;
  writeFileSync(join(stack, 'site/escape', name), 'x');
  await eventually(() => lines.some((l) => l.includes('refusing to sync') && l.includes(name)), 10_000, 'the refusal');
  assert.equal(existsSync(`/${name}`), false);
  const inside = await tscAsync(['exec', 'web', 'ls', '/']);
  assert.ok(!inside.stdout.includes(name), 'not written through the symlink inside the container either');
});

test('a config edit restarts api once, with the new file in place', async () => {
  const before = lines.filter((l) => l.startsWith('api: restarted')).length;
  for (let i = 0; i < 50; i++) writeFileSync(join(stack, `config/extra-${i}.txt`), String(i));
  writeFileSync(join(stack, 'config/config.txt'), 'greeting=watched\n');
  await eventually(() => lines.filter((l) => l.startsWith('api: restarted')).length > before, 30_000, 'api restarted');
  await session!.idle();
  assert.equal(lines.filter((l) => l.startsWith('api: restarted')).length, before + 1, lines.join('\n'));
  await eventually(async () => (await tscAsync(['logs', 'api'])).stdout.includes('config: greeting=watched'), 15_000, 'api printing the new config');
});

test('a hook edit runs the exec command in the worker', async () => {
  writeFileSync(join(stack, 'hooks/second.sh'), 'echo 2\n');
  await eventually(() => lines.some((l) => /^worker: exec sh -c .* → exit 0/.test(l)), 15_000, 'the exec line');
  // hooks/ has no initial_sync: only the file changed during the session is in the container.
  assert.ok(lines.some((l) => l.startsWith('exec output: reloaded: 1 hook files')), lines.join('\n'));
});

test('a burst of 2,000 new files arrives whole in the container', async () => {
  const staging = join(e.dir, 'burst');
  mkdirSync(staging);
  for (let i = 0; i < 2000; i++) writeFileSync(join(staging, `f${i}.txt`), String(i));
  const before = lines.length;
  // A checkout that brings a new directory: one move on the host, 2,000 files in the container.
  renameSync(staging, join(stack, 'site/burst'));
  await eventually(async () => (await page('/burst/f1999.txt')) === '1999', 120_000, 'the last file of the burst');
  await session!.idle();
  const count = await tscAsync(['exec', 'web', 'sh', '-c', 'ls /www/burst | wc -l']);
  assert.equal(count.stdout.trim(), '2000');
  const syncs = lines.slice(before).filter((l) => l.startsWith('web: synced'));
  assert.equal(syncs.length, 1, syncs.join('\n'));
  assert.match(syncs[0]!, /^web: synced 2001 files \(\d+ ms\)$/);
});
