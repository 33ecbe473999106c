// The cgroup v1 driver, which is also the hybrid one: a directory per container in every v1
// hierarchy (controllers and named ones such as name=systemd) and, on hybrid hosts, in the
// unified v2 hierarchy too (crun and runc do the same; it gives us cgroup.kill and a
// `populated` flag). Limits are written before the launch helper moves the first task in.
import { readdirSync } from 'node:fs';
import { SysError, TscError } from '../../../schema/errors.ts';
import type { Layout } from '../detect.ts';
import { readPids, waitFor } from '../files.ts';
import { handleOf, mkdirChain, removeChain, levels } from '../tree.ts';
import type { CgroupDriver, CgroupHandle, CgroupResources, CgroupStats } from '../types.ts';
import { killViaCgroupKill } from '../v2/kill.ts';
import { setFrozenV2 } from '../v2/freezer.ts';
import { applyBlkio } from './blkio.ts';
import { applyCpu, cpuLimitV1 } from './cpu.ts';
import { cpuUsageNs } from './cpuacct.ts';
import { applyCpuset, inheritCpuset } from './cpuset.ts';
import { applyDevices } from './devices.ts';
import { freezeV1, thawNow, thawV1 } from './freezer.ts';
import { applyMemory, memoryUsage, oomKilledV1 } from './memory.ts';
import { applyPids, pidsOf } from './pids.ts';

export class V1Driver implements CgroupDriver {
  readonly mode: 'v1' | 'hybrid';
  readonly fsRoot: string;
  readonly #layout: Layout;

  constructor(fsRoot: string, layout: Layout) {
    if (layout.mode === 'v2') throw new TscError('CGROUP', `${fsRoot} is a cgroup v2 hierarchy, not v1`);
    this.mode = layout.mode;
    this.fsRoot = fsRoot;
    this.#layout = layout;
  }

  /** The leaf of the hierarchy carrying `controller` (`memory`, `unified`, …), if this host has it. */
  #dir(h: CgroupHandle, controller: string): string | undefined {
    const hier = this.#layout.hierarchies.find((x) => (controller === 'unified' ? x.version === 2 : x.controllers.includes(controller)));
    return hier ? h.dirs[hier.key] : undefined;
  }

  handle(project: string, id: string): CgroupHandle {
    return handleOf(this.#layout, project, id);
  }

  create(project: string, id: string, r: CgroupResources): CgroupHandle {
    const h = this.handle(project, id);
    const needed: [string, boolean][] = [['cpu', !!r.cpu && (r.cpu.quota !== undefined || r.cpu.period !== undefined || r.cpu.shares !== undefined)],
      ['memory', !!r.memory], ['pids', !!r.pids], ['blkio', r.blockIO !== undefined], ['cpuset', r.cpu?.cpus !== undefined || r.cpu?.mems !== undefined]];
    for (const [c, want] of needed) {
      if (want && !this.#layout.hierarchies.some((x) => x.controllers.includes(c))) {
        throw new TscError('CGROUP_UNSUPPORTED', `The ${c} cgroup controller is not mounted under ${this.fsRoot}, so the service's ${c} limits cannot be applied`);
      }
    }
    try {
      for (const hier of this.#layout.hierarchies) {
        const has = (c: string) => hier.controllers.includes(c);
        mkdirChain(hier, project, id, (dir, level) => {
          if (has('cpuset')) inheritCpuset(dir);
          if (level !== 'leaf') return;
          if (has('cpuset')) applyCpuset(dir, r.cpu);
          if (has('cpu')) applyCpu(dir, r.cpu);
          if (has('memory')) applyMemory(dir, r.memory);
          if (has('pids')) applyPids(dir, r.pids);
          if (has('blkio')) applyBlkio(dir, r.blockIO, this.#layout.fake);
          if (has('devices')) applyDevices(dir, r.devices, r.allDevices);
        });
      }
    } catch (e) {
      // Leave nothing half-made: a failed limit write removes what was created so far.
      void removeChain(this.#layout, project, id).catch(() => undefined);
      throw e;
    }
    return h;
  }

  procsFiles(h: CgroupHandle): string[] {
    return Object.values(h.dirs).map((d) => `${d}/cgroup.procs`);
  }

  async freeze(h: CgroupHandle): Promise<void> {
    const dir = this.#dir(h, 'freezer');
    if (dir) return freezeV1(dir);
    const unified = this.#dir(h, 'unified');
    if (unified) return setFrozenV2(unified, true);
    throw new TscError('CGROUP_UNSUPPORTED', 'No freezer: neither a v1 freezer hierarchy nor a unified one is mounted', { hint: 'pause needs the freezer' });
  }

  async thaw(h: CgroupHandle): Promise<void> {
    const dir = this.#dir(h, 'freezer');
    if (dir) return thawV1(dir);
    const unified = this.#dir(h, 'unified');
    if (unified) return setFrozenV2(unified, false);
  }

  stats(h: CgroupHandle): CgroupStats {
    const mem = memoryUsage(this.#dir(h, 'memory'));
    const pids = pidsOf(this.#dir(h, 'pids'));
    return { cpuUsageNs: cpuUsageNs(this.#dir(h, 'cpuacct')), cpuLimit: cpuLimitV1(this.#dir(h, 'cpu')), memoryUsage: mem.usage, memoryLimit: mem.limit, pidsCurrent: pids.current, pidsLimit: pids.limit };
  }

  oomKilled(h: CgroupHandle): boolean {
    return oomKilledV1(this.#dir(h, 'memory'));
  }

  /** Every PID in any of the container's hierarchies (a task may sit in some and not others). */
  #tasks(h: CgroupHandle): number[] {
    const all = new Set<number>();
    for (const d of Object.values(h.dirs)) for (const p of readPids(d)) all.add(p);
    return [...all];
  }

  async killAll(h: CgroupHandle, timeoutMs = 5000): Promise<void> {
    const unified = this.#dir(h, 'unified');
    if (unified && !this.#layout.fake) killViaCgroupKill(unified);
    const freezer = this.#dir(h, 'freezer');
    const ok = await waitFor(() => {
      const pids = this.#tasks(h);
      if (pids.length === 0) return true;
      // Without cgroup.kill a forking task can outrun the loop; SIGKILL whatever is listed, again
      // and again, until a read comes back empty. A frozen cgroup must be thawed for tasks to die.
      if (freezer) try { thawNow(freezer); } catch { /* removed meanwhile */ }
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      return false;
    }, timeoutMs, 10);
    if (!ok) throw new SysError('kill all tasks of', 'ETIMEDOUT', Object.values(h.dirs)[0], { hint: `${this.#tasks(h).length} tasks still listed` });
  }

  async remove(h: CgroupHandle): Promise<void> {
    await removeChain(this.#layout, h.project, h.id);
  }

  async removeProject(project: string): Promise<void> {
    const ids = new Set<string>();
    for (const hier of this.#layout.hierarchies) {
      try {
        for (const e of readdirSync(levels(hier, project, '_').project, { withFileTypes: true })) if (e.isDirectory()) ids.add(e.name);
      } catch { /* not in this hierarchy */ }
    }
    for (const id of ids) {
      const h = this.handle(project, id);
      await this.killAll(h);
      await this.remove(h);
    }
    await removeChain(this.#layout, project, undefined);
  }
}
