// The planner's API (docs/contracts.md): observed state + Project → Plan.
//
// A Plan is a DAG of operations. Each operation names what it acts on, why (`cause`), and the
// operations that must be done before it (`dependsOn`). The executor starts each one as soon as
// its own dependencies are done and makes no decisions of its own; "steps" and "levels" exist
// only to print the plan.
import type { DependsOnCondition, Project } from '../schema/model.ts';
import type { ExternalRef } from './graph.ts';
import { reconcile } from './reconcile.ts';
import { reverseReconcile } from './teardown.ts';

export { renderPlan, planToJson } from './render.ts';
export type { PlanJson } from './render.ts';

export type ContainerStatus = 'created' | 'running' | 'exited' | 'paused' | 'dead';

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  configHash: string;
  status: ContainerStatus;
  oneOff?: boolean;
  /** `configKeyHashes()` recorded at creation: lets the plan say which keys changed. Optional. */
  configHashes?: Record<string, string>;
}

export interface Observed {
  containers: ObservedContainer[];
  /** Host-side names of the project's networks that exist; absent = unknown (create ops are emitted, ensure is idempotent). */
  networks?: string[];
  /** Host-side names of the project's volumes that exist; absent = unknown. */
  volumes?: string[];
}

export interface PlanOptions {
  /** Services named on the command line; empty or absent = all. Their dependencies come along unless noDeps. */
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  alwaysRecreateDeps?: boolean;
  removeOrphans?: boolean;
  noStart?: boolean;
  /** `--scale svc=N`: wins over `scale` and `deploy.replicas`. */
  scale?: Record<string, number>;
  /** service → manifest digest of its image, when known: a new digest recreates. */
  imageDigests?: Record<string, string>;
}

export type OperationType =
  | 'createNetwork'
  | 'createVolume'
  | 'create'
  | 'recreate'
  | 'start'
  | 'restart'
  | 'keep'
  | 'stop'
  | 'remove'
  | 'removeNetwork'
  | 'removeVolume';

export interface WaitFor {
  service: string;
  condition: DependsOnCondition;
  /** required: false → a dependency that fails to reach the condition is only a warning. */
  required: boolean;
}

export interface Operation {
  /** Unique in the plan: `<type>:<resource>`. */
  id: string;
  type: OperationType;
  kind: 'container' | 'network' | 'volume';
  /** Container name, or host-side network / volume name. */
  resource: string;
  service?: string;
  number?: number;
  /** Id of the existing container acted on (keep, start, restart, recreate, stop, remove). */
  containerId?: string;
  /** Compose key of the network / volume. */
  key?: string;
  /** create / recreate: the hash to record with the new container. */
  configHash?: string;
  /** start / restart: conditions on dependencies to wait for before starting (depends_on). */
  waitFor?: WaitFor[];
  /** Why, without the operation word: `new service`, `config changed (environment)`. */
  cause: string;
  dependsOn: string[];
}

export interface Plan {
  project: string;
  /** Every operation after all of its dependencies. */
  operations: Operation[];
  /** Things the user should know that are not operations (orphans left in place, …). */
  warnings: string[];
  /** `container:NAME` references, to check at run time. */
  external: ExternalRef[];
}

/** `up`: converge the host to the project. */
export function plan(project: Project, observed: Observed, options: PlanOptions = {}): Plan {
  return reconcile(project, observed, options);
}

export interface DownOptions {
  /** Only these services' containers (networks and volumes stay). */
  services?: string[];
  removeOrphans?: boolean;
  /** `-v`: also remove the project's named volumes. */
  volumes?: boolean;
}

/** `down`: stop and remove containers in reverse dependency order, then networks (and volumes with -v). */
export function downPlan(project: Project, observed: Observed, options: DownOptions = {}): Plan {
  return reverseReconcile(project, observed, { ...options, remove: true });
}

/** `stop`: stop running containers in reverse dependency order. */
export function stopPlan(project: Project, observed: Observed, options: { services?: string[] } = {}): Plan {
  return reverseReconcile(project, observed, { ...options, remove: false });
}
