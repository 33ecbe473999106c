// The planner's Plan as the supervisor reads it (planner/plan.ts `Plan`/`Operation`, kept
// structural so the supervisor's tests build plans by hand).
import type { DependsOnCondition } from '../../schema/model.ts';

export type OpType = 'create' | 'recreate' | 'start' | 'restart' | 'stop' | 'remove' | 'keep' | 'createNetwork' | 'createVolume' | 'removeNetwork' | 'removeVolume' | string;

export interface PlanOp {
  id: string;
  type: OpType;
  kind?: 'container' | 'network' | 'volume';
  /** Container name, or host-side network / volume name. */
  resource?: string;
  service?: string;
  number?: number;
  /** The existing container acted on. */
  containerId?: string;
  /** Compose key of the network / volume. */
  key?: string;
  configHash?: string;
  /** Conditions on dependencies to await before starting. */
  waitFor?: { service: string; condition: DependsOnCondition; required: boolean }[];
  cause?: string;
  dependsOn: string[];
}

export interface PlanLike {
  operations: PlanOp[];
  warnings?: string[];
}
