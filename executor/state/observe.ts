// What is actually running, for the planner (its `Observed`) and for `ps`: the journal says which
// containers exist, /proc says whether each one's PID 1 is still the process we started
// (pid + start time), and the waiter's exit.json says how it ended.
import type { ContainerRecord, ProjectState } from './journal.ts';
import { isAlive, type ProcReader } from './proc.ts';
import type { ContainerStatus, ObservedContainer, Observed } from '../../planner/plan.ts';

// The planner owns what "observed" means (its input); this module fills it in.
export type { ContainerStatus, ObservedContainer, Observed } from '../../planner/plan.ts';

export interface ExitInfo {
  code: number;
  signal: string | number | null;
  oomKilled?: boolean;
  finishedAt?: string;
}

export interface ObserveDeps {
  proc: ProcReader;
  /** The waiter's exit.json for a container, if it has exited. */
  readExit(c: ContainerRecord): ExitInfo | undefined;
}

export function containerStatus(c: ContainerRecord, deps: ObserveDeps): ContainerStatus {
  if (!c.steps.includes('launch') || !c.pid) return 'created';
  if (isAlive(deps.proc, c.pid, c.pidStart)) return c.desired === 'paused' ? 'paused' : 'running';
  // The PID is gone: the waiter recorded how it ended; without that record, it died with its waiter.
  return deps.readExit(c) ? 'exited' : 'dead';
}

export function observe(state: ProjectState, deps: ObserveDeps): Observed {
  const containers = Object.values(state.containers)
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number)
    .map((c) => {
      const o: ObservedContainer = {
        id: c.id, name: c.name, service: c.service, number: c.number, configHash: c.configHash,
        status: containerStatus(c, deps),
      };
      if (c.configHashes) o.configHashes = c.configHashes;
      if (c.oneOff) o.oneOff = true;
      return o;
    });
  return { containers };
}
