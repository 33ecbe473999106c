// The planner's Plan as the supervisor reads it (docs/contracts.md "planner/"). Kept structural and
// loose here so the supervisor runs any plan that has these fields; `fromPlanner` in engine.ts maps
// the real planner/plan.ts output onto it.
export type OpType = 'create' | 'recreate' | 'start' | 'stop' | 'remove' | 'keep' | 'createNetwork' | 'createVolume' | 'removeNetwork' | 'removeVolume' | string;

export interface PlanOp {
  id: string;
  type: OpType;
  service?: string;
  /** Existing container: id or name. */
  container?: string;
  number?: number;
  /** Network or volume key for createNetwork/createVolume. */
  resource?: string;
  cause?: string;
  dependsOn: string[];
}

export interface PlanLike {
  operations: PlanOp[];
}
