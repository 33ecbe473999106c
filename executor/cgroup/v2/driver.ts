// The cgroup v2 driver: one hierarchy, controllers enabled per level through
// cgroup.subtree_control. The parents we create hold no tasks (v2's "no internal processes"
// rule), so enabling controllers in them always works; the host root is only asked for the
// controllers our containers use, and only when it has not enabled them already.
import { readdirSync } from 'node:fs';
import { SysError, TscError } from '../../../schema/errors.ts';
import type { Layout } from '../detect.ts';
import { readPids, readValue, waitFor, writeValue } from '../files.ts';
import { handleOf, levels, mkdirChain, removeChain } from '../tree.ts';
import type { CgroupDriver, CgroupHandle, CgroupResources, CgroupStats } from '../types.ts';
import { applyCpuV2, cpuLimitV2, cpuUsageNsV2 } from './cpu.ts';
import { applyCpusetV2 } from './cpuset.ts';
import { deviceProgram } from './devices.ts';
import { setFrozenV2 } from './freezer.ts';
import { applyIoV2 } from './io.ts';
import { killViaCgroupKill, populatedV2 } from './kill.ts';
import { applyMemoryV2, memoryUsageV2, oomKilledV2 } from './memory.ts';
import { applyPidsV2, pidsOfV2 } from './pids.ts';

/** Controllers a container may use, in the order they are enabled (cpuset before cpu is the kernel's own order). */
export const WANTED = ['cpuset', 'cpu', 'io', 'memory', 'pids'] as const;

function words(s: string | undefined): string[] {
  return (s ?? '').split(/\s+/).filter(Boolean);
}

/** Controllers the resources need (so a missing one is a clear error, not an ENOENT on a file). */
export function neededControllers(r: CgroupResources): string[] {
  const out: string[] = [];
  if (r.cpu?.cpus !== undefined || r.cpu?.mems !== undefined) out.push('cpuset');
  if (r.cpu && (r.cpu.quota !== undefined || r.cpu.period !== undefined || r.cpu.shares !== undefined || r.cpu.weight !== undefined)) out.push('cpu');
  if (r.blockIO) out.push('io');
  if (r.memory) out.push('memory');
  if (r.pids) out.push('pids');
  return out;
}

/** Enables in `dir`'s subtree_control every wanted controller that `dir` itself has. */
export function enableControllers(dir: string): void {
  const available = new Set(words(readValue(dir, 'cgroup.controllers')));
  const enabled = new Set(words(readValue(dir, 'cgroup.subtree_control')));
  const add = WANTED.filter((c) => available.has(c) && !enabled.has(c));
  if (add.length) writeValue(dir, 'cgroup.subtree_control', add.map((c) => `+${c}`).join(' '));
}

export class V2Driver implements CgroupDriver {
  readonly mode = 'v2' as const;
  readonly fsRoot: string;
  readonly #layout: Layout;
  readonly #root: string;

  readonly #attachDevices: ((dir: string, insns: Buffer) => void) | undefined;

  /** `attachDevices` loads and attaches the device program (executor/sys/bpf.ts); absent for a fake tree. */
  constructor(fsRoot: string, layout: Layout, attachDevices?: (dir: string, insns: Buffer) => void) {
    const h = layout.hierarchies.find((x) => x.version === 2);
    if (!h || layout.mode !== 'v2') throw new TscError('CGROUP', `No cgroup v2 hierarchy under ${fsRoot}`);
    this.fsRoot = fsRoot;
    this.#layout = layout;
    this.#root = h.path;
    this.#attachDevices = attachDevices;
  }

  #leaf(h: CgroupHandle): string {
    const d = h.dirs.unified;
    if (!d) throw new TscError('CGROUP', `Cgroup handle of ${h.id} has no unified directory`);
    return d;
  }

  handle(project: string, id: string): CgroupHandle {
    return handleOf(this.#layout, project, id);
  }

  create(project: string, id: string, r: CgroupResources): CgroupHandle {
    const h = this.handle(project, id);
    const available = new Set(words(readValue(this.#root, 'cgroup.controllers')));
    const missing = neededControllers(r).filter((c) => !available.has(c));
    if (missing.length) {
      throw new TscError('CGROUP_UNSUPPORTED', `The cgroup v2 controllers ${missing.join(', ')} are not available in ${this.#root}, so the service's limits cannot be applied`, {
        hint: 'on a rootless or nested host, ask for the controllers to be delegated',
      });
    }
    try {
      enableControllers(this.#root);
      mkdirChain(this.#layout.hierarchies.find((x) => x.version === 2)!, project, id, (dir, level) => {
        if (level !== 'leaf') return enableControllers(dir);
        applyCpusetV2(dir, r.cpu);
        applyCpuV2(dir, r.cpu);
        applyMemoryV2(dir, r.memory);
        applyPidsV2(dir, r.pids);
        applyIoV2(dir, r.blockIO);
        // No devices controller on v2: an eBPF program decides. A fake tree cannot run one.
        if (!r.allDevices && this.#attachDevices) this.#attachDevices(dir, deviceProgram(r.devices));
      });
    } catch (e) {
      void removeChain(this.#layout, project, id).catch(() => undefined);
      throw e;
    }
    return h;
  }

  procsFiles(h: CgroupHandle): string[] {
    return [`${this.#leaf(h)}/cgroup.procs`];
  }

  freeze(h: CgroupHandle): Promise<void> {
    return setFrozenV2(this.#leaf(h), true);
  }

  thaw(h: CgroupHandle): Promise<void> {
    return setFrozenV2(this.#leaf(h), false);
  }

  stats(h: CgroupHandle): CgroupStats {
    const d = this.#leaf(h);
    const mem = memoryUsageV2(d);
    const pids = pidsOfV2(d);
    return { cpuUsageNs: cpuUsageNsV2(d), cpuLimit: cpuLimitV2(d), memoryUsage: mem.usage, memoryLimit: mem.limit, pidsCurrent: pids.current, pidsLimit: pids.limit };
  }

  oomKilled(h: CgroupHandle): boolean {
    return oomKilledV2(this.#leaf(h));
  }

  async killAll(h: CgroupHandle, timeoutMs = 5000): Promise<void> {
    const d = this.#leaf(h);
    const atomic = killViaCgroupKill(d);
    const ok = await waitFor(() => {
      const pids = readPids(d);
      if (pids.length === 0 && !populatedV2(d)) return true;
      if (!atomic) {
        // Kernels before 5.14: thaw (a frozen task cannot die) and SIGKILL what is listed.
        if (readValue(d, 'cgroup.freeze') === '1') writeValue(d, 'cgroup.freeze', 0);
        for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      return false;
    }, timeoutMs, 10);
    if (!ok) throw new SysError('kill all tasks of', 'ETIMEDOUT', d);
  }

  async remove(h: CgroupHandle): Promise<void> {
    await removeChain(this.#layout, h.project, h.id);
  }

  async removeProject(project: string): Promise<void> {
    const hier = this.#layout.hierarchies.find((x) => x.version === 2)!;
    let ids: string[] = [];
    try {
      ids = readdirSync(levels(hier, project, '_').project, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch { /* nothing of this project */ }
    for (const id of ids) {
      const h = this.handle(project, id);
      await this.killAll(h);
      await this.remove(h);
    }
    await removeChain(this.#layout, project, undefined);
  }
}
