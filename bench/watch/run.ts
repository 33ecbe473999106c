// bench/watch: how fast a host edit is readable in a container's rootfs under watch mode.
// A real overlay (lower = image dir, upper/work, merged) stands for the container root; a watch
// session with the real file watcher syncs into `merged`. Measured:
//   1. single edits: host write → new content readable in merged (median, p95 over N edits);
//   2. a 2,000-file checkout (existing files rewritten) and 2,000 new files: first write → all
//      visible, and how many batches/syncs it took.
// Run as root: node bench/watch/run.ts [edits=200] [files=2000]. Prints figures, asserts nothing.
// The reader polls from this process (as an in-container reader would see the same inode).
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mount, umount2 } from '../../executor/sys/mount.ts';
import { startWatch } from '../../executor/watch/session.ts';
import type { WatchActions } from '../../executor/watch/actions.ts';
import type { WatchEvent } from '../../executor/watch/events.ts';
import type { Project } from '../../schema/model.ts';

const edits = Number(process.argv[2] ?? 200);
const files = Number(process.argv[3] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-watch-'));
const [lower, upper, work, merged, host] = ['lower', 'upper', 'work', 'merged', 'host'].map((d) => join(dir, d)) as [string, string, string, string, string];
for (const d of [join(lower, 'app'), upper, work, merged, join(host, 'app')]) mkdirSync(d, { recursive: true });

let overlay = false;
if (process.getuid?.() === 0) {
  mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
  overlay = true;
} else {
  console.log('(not root: syncing into a plain directory instead of an overlay)');
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const fmt = (x: number) => x.toFixed(1);
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const events: WatchEvent[] = [];
const actions: WatchActions = {
  containers: async () => [{ id: 'b'.repeat(64), rootDir: merged, uid: 1000, gid: 1000, mounts: [] }],
  restart: async () => {}, exec: async () => ({ code: 0 }), rebuild: async () => {}, reload: async () => {}, log: () => {},
};
const project: Project = {
  name: 'bench', working_dir: host, disabled_services: {}, networks: {}, volumes: {}, secrets: {}, configs: {}, extensions: {},
  origins: new Map(), files: [],
  services: { web: { environment: {}, labels: {}, depends_on: {}, develop: { watch: [{ action: 'sync', path: './app', target: '/app' }] } } },
};

async function waitFor(cond: () => boolean, limitMs = 20000): Promise<boolean> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > limitMs) return false;
    await tick();
  }
  return true;
}
function readOr(p: string): string | undefined { try { return readFileSync(p, 'utf8'); } catch { return undefined; } }

/**
 * Writes the burst from another process, as git or a build tool would: a writer on this thread
 * would hold back the watcher until it is done. Resolves with the writer's own duration (ms).
 */
function writer(dir: string, add: number): Promise<number> {
  const code = `const fs=require('fs');const t=performance.now();for(let i=0;i<${files};i++)fs.writeFileSync(${JSON.stringify(dir)}+'/f'+i+'.js','export const v = '+(i+${add})+';\\n');process.stdout.write(String(performance.now()-t))`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('error', reject);
    c.on('close', () => resolve(Number(out)));
  });
}

// Timings on a shared machine move with its load: print it beside the figures.
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${overlay ? 'overlay' : 'plain dir'} under ${tmpdir()}`);
const session = await startWatch(project, actions, { stackFiles: [], onEvent: (e) => events.push(e) });
try {
  // 1. single edits
  const lat: number[] = [];
  const target = join(merged, 'app/edit.txt');
  for (let i = 0; i < edits; i++) {
    const want = `version ${i}\n`;
    const t0 = performance.now();
    writeFileSync(join(host, 'app/edit.txt'), want);
    if (!(await waitFor(() => readOr(target) === want, 5000))) { console.log(`edit ${i} never arrived`); continue; }
    lat.push(performance.now() - t0);
    // Separate saves, as a person makes them. Above 50 ms on purpose: chokidar folds repeated
    // changes of one file within 50 ms into one event at the end of that window.
    await sleep(60 + (i % 4) * 10);
  }
  console.log(`single edit, host write → readable in ${overlay ? 'overlay merged' : 'target dir'} (${lat.length} edits): ` +
    `median ${fmt(q(lat, 0.5))} ms, p95 ${fmt(q(lat, 0.95))} ms, min ${fmt(Math.min(...lat))} ms, max ${fmt(Math.max(...lat))} ms`);

  // 2a. burst of new files
  await session.idle();
  mkdirSync(join(host, 'app/burst'));
  await sleep(100);
  await session.idle();
  let before = events.filter((e) => e.type === 'synced').length;
  let t0 = performance.now();
  const tWritten = await writer(join(host, 'app/burst'), 0);
  let last = join(merged, 'app/burst', `f${files - 1}.js`);
  await waitFor(() => existsSync(last));
  await sleep(50);
  await session.idle();
  let syncs = events.filter((e) => e.type === 'synced').slice(before) as Extract<WatchEvent, { type: 'synced' }>[];
  console.log(`${files} new files: written on the host (another process) in ${fmt(tWritten)} ms; all readable after ${fmt(performance.now() - t0 - 50)} ms; ` +
    `${syncs.length} batch(es), sync time ${syncs.map((s) => `${s.files} files ${fmt(s.ms)} ms`).join(' + ')}`);

  // 2b. checkout-style burst: the same files rewritten
  before = events.length;
  t0 = performance.now();
  const tRewritten = await writer(join(host, 'app/burst'), 1);
  last = join(merged, 'app/burst', `f${files - 1}.js`);
  await waitFor(() => readOr(last) === `export const v = ${files};\n`);
  await sleep(50);
  await session.idle();
  syncs = events.slice(before).filter((e) => e.type === 'synced') as Extract<WatchEvent, { type: 'synced' }>[];
  console.log(`${files} files rewritten (checkout, another process): written in ${fmt(tRewritten)} ms; all readable after ${fmt(performance.now() - t0 - 50)} ms; ` +
    `${syncs.length} batch(es), sync time ${syncs.map((s) => `${s.files} files ${fmt(s.ms)} ms`).join(' + ')}`);
} finally {
  await session.close();
  if (overlay) umount2(merged);
  rmSync(dir, { recursive: true, force: true });
}
