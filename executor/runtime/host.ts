// Facts about the host that buildSpec needs and cannot read itself (it is pure): the hard
// resource limits (a container's ulimit above them is an error, FACTS.md), device numbers for
// `devices:`, and where a static init lives for `init: true`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import type { Service } from '../../schema/model.ts';

const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu', 'Max file size': 'fsize', 'Max data size': 'data', 'Max stack size': 'stack',
  'Max core file size': 'core', 'Max resident set': 'rss', 'Max processes': 'nproc', 'Max open files': 'nofile',
  'Max locked memory': 'memlock', 'Max address space': 'as', 'Max file locks': 'locks', 'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue', 'Max nice priority': 'nice', 'Max realtime priority': 'rtprio', 'Max realtime timeout': 'rttime',
};

/** /proc/self/limits text → hard limit by ulimit name ("unlimited" is left out: anything fits). */
export function parseLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && LIMIT_NAMES[m[1]!];
    if (name && m[3] !== 'unlimited') out[name] = Number(m[3]);
  }
  return out;
}

export function hostHardLimits(): Record<string, number> {
  return parseLimits(readFileSync('/proc/self/limits', 'utf8'));
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor). */
export function devNumbers(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

/** Stats the host side of every `devices:` entry. */
export function statDevices(s: Service): Record<string, { type: 'c' | 'b'; major: number; minor: number }> {
  const out: Record<string, { type: 'c' | 'b'; major: number; minor: number }> = {};
  for (const d of s.devices ?? []) {
    let st;
    try { st = statSync(d.source); } catch { throw new TscError('DEVICE', `Device "${d.source}" does not exist on this host`); }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new TscError('DEVICE', `"${d.source}" is not a device`);
    out[d.source] = { type: st.isBlockDevice() ? 'b' : 'c', ...devNumbers(st.rdev) };
  }
  return out;
}

/** Debian's tini-static (scripts/install installs tini): a static init that works in any image. */
export function initBinary(): string | undefined {
  for (const p of ['/usr/bin/tini-static', '/usr/bin/tini']) if (existsSync(p)) return p;
  return undefined;
}

// Kernel-managed or per-container entries docker leaves out of a privileged container's /dev.
const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/console', '/dev/ptmx', '/dev/tty', '/dev/fd']);

/** Every character and block device under /dev (privileged: true gets them all, as in docker). */
export function hostDevices(root = '/dev'): { path: string; type: 'c' | 'b'; major: number; minor: number }[] {
  const out: { path: string; type: 'c' | 'b'; major: number; minor: number }[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if (SKIP.has(p)) continue;
      let st;
      try { st = statSync(p, { throwIfNoEntry: false }); } catch { continue; }
      if (!st) continue;
      if (st.isDirectory()) { if (depth < 3) walk(p, depth + 1); continue; }
      if (st.isCharacterDevice() || st.isBlockDevice()) out.push({ path: p, type: st.isBlockDevice() ? 'b' : 'c', ...devNumbers(st.rdev) });
    }
  };
  walk(root, 0);
  return out;
}
