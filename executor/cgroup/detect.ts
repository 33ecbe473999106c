// Which cgroup hierarchies exist under a root, and so which driver mode applies. Read from
// /proc/self/mountinfo (the controllers of a v1 mount are its super options); a root with no
// cgroup mounts under it (a fake tree in a temp dir) is read from its directory layout instead.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CgroupMode } from './types.ts';

export interface Hierarchy {
  /** `cpu`, `cpu,cpuacct`, `name=systemd`, … for v1; `unified` for the v2 hierarchy. */
  key: string;
  /** Absolute path of the hierarchy's root directory. */
  path: string;
  version: 1 | 2;
  /** v1: the controllers bound to it; v2: empty (controllers are per cgroup). */
  controllers: string[];
}

export interface Layout {
  mode: CgroupMode;
  hierarchies: Hierarchy[];
  /** true when read from directories rather than mounts: a test tree of plain files. */
  fake: boolean;
}

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio',
  'perf_event', 'hugetlb', 'pids', 'rdma', 'misc']);

/** Mount points in mountinfo escape space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Pure: cgroup hierarchies mounted at or directly below `fsRoot`, from mountinfo text. */
export function hierarchiesFromMountinfo(text: string, fsRoot: string): Hierarchy[] {
  const root = resolve(fsRoot);
  const byPath = new Map<string, Hierarchy>();
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountPoint = unescape(pre[4] ?? '');
    if (mountPoint !== root && !(mountPoint.startsWith(root + '/') && !mountPoint.slice(root.length + 1).includes('/'))) continue;
    if (fstype === 'cgroup2') {
      byPath.set(mountPoint, { key: 'unified', path: mountPoint, version: 2, controllers: [] });
    } else if (fstype === 'cgroup') {
      const controllers = superOpts.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
      if (controllers.length) byPath.set(mountPoint, { key: controllers.join(','), path: mountPoint, version: 1, controllers });
    } else {
      // A later mount over the same point (e.g. tmpfs over /sys/fs/cgroup) hides what was there.
      byPath.delete(mountPoint);
    }
  }
  return [...byPath.values()];
}

/** Hierarchies of a fake tree: a dir with cgroup.controllers is v2; one with cgroup.procs is a v1 hierarchy named after its controllers. */
export function hierarchiesFromTree(fsRoot: string): Hierarchy[] {
  const root = resolve(fsRoot);
  if (existsSync(join(root, 'cgroup.controllers'))) return [{ key: 'unified', path: root, version: 2, controllers: [] }];
  const out: Hierarchy[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const path = join(root, e.name);
    if (existsSync(join(path, 'cgroup.controllers'))) out.push({ key: 'unified', path, version: 2, controllers: [] });
    else if (existsSync(join(path, 'cgroup.procs'))) {
      const controllers = e.name === 'systemd' ? ['name=systemd'] : e.name.split(',');
      out.push({ key: controllers.join(','), path, version: 1, controllers });
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

export function modeOf(hierarchies: Hierarchy[]): CgroupMode | undefined {
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  if (v1) return v2 ? 'hybrid' : 'v1';
  return v2 ? 'v2' : undefined;
}

export function detectLayout(fsRoot: string, mountinfo?: string): Layout {
  let text = mountinfo;
  if (text === undefined) {
    try { text = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { text = ''; }
  }
  let hierarchies = hierarchiesFromMountinfo(text, fsRoot);
  let fake = false;
  if (hierarchies.length === 0) {
    hierarchies = hierarchiesFromTree(fsRoot);
    fake = true;
  }
  const mode = modeOf(hierarchies);
  if (!mode) return { mode: 'v2', hierarchies: [], fake };
  return { mode, hierarchies, fake };
}
