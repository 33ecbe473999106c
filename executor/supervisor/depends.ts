// depends_on conditions, pure: given what the dependency's containers are doing now, is the
// condition met, still pending, or failed for good? A failed condition fails fast with a reason
// that names the service and what went wrong (PAIN-POINTS.md #2): no waiting for ever on a
// dependency that exited or turned unhealthy.
import type { DependsOnCondition } from '../../schema/model.ts';
import type { ContainerStatus, ExitInfo } from '../state/observe.ts';
import { lastOutput, type HealthState } from './health.ts';

export interface DepContainer {
  name: string;
  status: ContainerStatus;
  /** undefined when the service has no healthcheck. */
  health?: HealthState;
  exit?: ExitInfo;
  /** The restart policy will bring it back (an exit is then not final). */
  willRestart?: boolean;
}

export type ConditionState = { state: 'met' } | { state: 'waiting'; detail: string } | { state: 'failed'; reason: string };

export function conditionState(dep: string, cond: DependsOnCondition, cs: DepContainer[]): ConditionState {
  if (cs.length === 0) {
    // scale 0: nothing to wait for, as compose does.
    return { state: 'met' };
  }
  switch (cond) {
    case 'service_started': {
      const pending = cs.filter((c) => c.status === 'created');
      return pending.length ? { state: 'waiting', detail: `${dep} starting` } : { state: 'met' };
    }
    case 'service_healthy': {
      for (const c of cs) {
        if (!c.health && c.status !== 'created') {
          return { state: 'failed', reason: `dependency "${dep}" has no healthcheck, so it can never be healthy` };
        }
        if (c.health?.status === 'unhealthy') {
          return { state: 'failed', reason: `dependency "${dep}" (${c.name}) is unhealthy: last probe ${lastOutput(c.health)}` };
        }
        if ((c.status === 'exited' || c.status === 'dead') && !c.willRestart) {
          return { state: 'failed', reason: `dependency "${dep}" (${c.name}) exited${c.exit ? ` with code ${c.exit.code}` : ''} before it was healthy` };
        }
      }
      const healthy = cs.filter((c) => c.health?.status === 'healthy').length;
      if (healthy === cs.length) return { state: 'met' };
      const probes = cs.reduce((n, c) => n + (c.health?.log.length ?? 0), 0);
      return { state: 'waiting', detail: `waiting ${dep} healthy ${healthy}/${cs.length}, ${probes} probes, last probe: ${lastOutput(cs[0]?.health)}` };
    }
    case 'service_completed_successfully': {
      for (const c of cs) {
        if ((c.status === 'exited' || c.status === 'dead') && (c.exit?.code ?? 1) !== 0 && !c.willRestart) {
          const why = c.exit ? (c.exit.signal ? `was killed by ${c.exit.signal}` : `exited with code ${c.exit.code}`) : 'died';
          return { state: 'failed', reason: `dependency "${dep}" (${c.name}) ${why}` };
        }
      }
      const done = cs.filter((c) => c.status === 'exited' && c.exit?.code === 0).length;
      return done === cs.length ? { state: 'met' } : { state: 'waiting', detail: `waiting ${dep} to complete ${done}/${cs.length}` };
    }
  }
}
