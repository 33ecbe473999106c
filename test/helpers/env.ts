// Per-test isolation: a fresh TSCOMPOSE_ROOT / TSCOMPOSE_RUN under a temp dir whose path contains
// "tscompose", a unique project name, and a leak check that finds any host object of ours left.
import { mkdtempSync, rmSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestEnv {
  dir: string;
  root: string;
  run: string;
  project: string;
  env: NodeJS.ProcessEnv;
  /** Removes the temp dir (after the leak check). */
  cleanup(): void;
}

export function testEnv(label = 't'): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), `tscompose-test-${label}-`));
  const root = join(dir, 'root');
  const run = join(dir, 'run');
  const project = `t${label.replace(/[^a-z0-9]/g, '').slice(0, 12)}${randomBytes(3).toString('hex')}`;
  return {
    dir, root, run, project,
    env: { ...process.env, TSCOMPOSE_ROOT: root, TSCOMPOSE_RUN: run, CI: 'true', TSCOMPOSE_DNS_UPSTREAMS: '' },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Host objects that mention `needle` (a temp dir or project name). Empty = nothing leaked. */
export function leftovers(needle: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const mp = line.split(' ')[1];
    if (mp && mp.includes(needle)) out.push(`mount ${mp}`);
  }
  for (const cg of cgroupDirs()) if (cg.includes(needle)) out.push(`cgroup ${cg}`);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`process ${pid} ${cmd.slice(0, 120)}`);
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** Every cgroup directory under a tscompose/ parent, in every hierarchy. */
export function cgroupDirs(): string[] {
  const out: string[] = [];
  let hier: string[] = [];
  try { hier = readdirSync('/sys/fs/cgroup'); } catch { return out; }
  for (const h of hier) {
    const base = join('/sys/fs/cgroup', h, 'tscompose');
    if (!existsSync(base)) continue;
    walk(base, 0);
  }
  function walk(d: string, depth: number) {
    out.push(d);
    if (depth > 3) return;
    // Other tests remove their cgroups while we walk: a vanished directory is simply not ours to report.
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name), depth + 1);
  }
  return out;
}

/** Links, and the nft table, are named by ARCHITECTURE.md (tsc-/tsv-); list ours by a name prefix set. */
export function links(prefixes: string[] = ['tsc', 'tsv']): string[] {
  const txt = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return txt.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((n) => prefixes.some((p) => n.startsWith(p)));
}
