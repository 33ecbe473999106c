// state.json: the per-project journal of every host object we create. Each step is written
// (temp file + rename, so a reader never sees half a file) BEFORE the object it names is created,
// so whatever point a crash hits, `down` finds every object that may exist and undoes it
// (each undo is idempotent: undoing a step whose object was never made is a no-op).
import { readFileSync, writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { paths } from './paths.ts';
import { TscError } from '../../schema/errors.ts';
import type { PortConfig } from '../../schema/model.ts';

/**
 * Host objects of one container, in creation order. Teardown walks them in reverse.
 * dir: containers/<id>/ · rootfs: overlay mount · volumes: its anonymous volumes · cgroup: cgroup dirs · netns: bind-mounted netns file ·
 * attach: veths/addresses/DNS entries · publish: port forwards · launch: waiter + PID 1.
 */
export const STEPS = ['dir', 'rootfs', 'volumes', 'cgroup', 'netns', 'attach', 'publish', 'launch'] as const;
export type Step = (typeof STEPS)[number];

export interface ContainerRecord {
  id: string;
  name: string;
  service: string;
  number: number;
  configHash: string;
  /**
   * Per-key short hashes of the config (planner/hash.ts configKeyHashes), so the next plan can say
   * which keys changed; absent in records written before they were stored (plain "config changed").
   */
  configHashes?: Record<string, string>;
  oneOff?: boolean;
  image: string;
  createdAt: string;
  /** Steps begun (journaled before the host object exists), in order. */
  steps: Step[];
  /** The cgroup driver's handle, as it returned it (JSON-serialisable). */
  cgroup?: unknown;
  netnsPath?: string;
  /** Anonymous volumes made for this container (removed with it). */
  anonymousVolumes?: string[];
  /** Network keys this container was attached to (`default`, `back`). */
  networks: string[];
  ports?: PortConfig[];
  /** The published ports as bound, for `port`/`ps` (host_ip:published->target/proto). */
  published?: string[];
  pid?: number;
  pidStart?: number;
  waiterPid?: number;
  startedAt?: string;
  /** What the user asked for last; the restart policy never revives a container the user stopped. */
  desired: 'running' | 'stopped' | 'paused';
  restartCount: number;
}

export interface NetworkRecord {
  key: string;
  name: string;
  external: boolean;
  /** netmgr's NetworkState (bridge name, subnet …) once created. */
  state?: unknown;
}

export interface VolumeRecord {
  key: string;
  name: string;
  external: boolean;
}

export interface SupervisorRecord {
  pid: number;
  startTime?: number;
  since: string;
}

export interface ProjectState {
  version: 1;
  project: string;
  workingDir?: string;
  files?: string[];
  containers: Record<string, ContainerRecord>;
  networks: Record<string, NetworkRecord>;
  volumes: Record<string, VolumeRecord>;
  supervisor?: SupervisorRecord;
  /** service → the services it depends on, recorded at `up` so `down` stops in reverse order without the stack file. */
  serviceDeps?: Record<string, string[]>;
}

export function emptyState(project: string): ProjectState {
  return { version: 1, project, containers: {}, networks: {}, volumes: {} };
}

export class StateFileError extends TscError {
  constructor(file: string, cause: unknown) {
    super('STATE', `Cannot read project state ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      hint: 'the file is written atomically, so this means it was edited by hand; `down` still removes what it can',
    });
  }
}

/** Reads state.json; a project with no file yet has an empty state. */
export function readState(project: string): ProjectState {
  const file = paths.state(project);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(project);
    throw new StateFileError(file, e);
  }
  try {
    const s = JSON.parse(text) as ProjectState;
    s.containers ??= {};
    s.networks ??= {};
    s.volumes ??= {};
    return s;
  } catch (e) {
    throw new StateFileError(file, e);
  }
}

let seq = 0;
/** Run dirs this process made: `up` of 30 services writes the journal ~300 times, a mkdir each was measurable. */
const madeDirs = new Set<string>();

/** Atomic replace: write a temp file beside it, then rename over (rename is atomic within a filesystem). */
export function writeState(s: ProjectState): void {
  const file = paths.state(s.project);
  const dir = dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    madeDirs.add(dir);
  }
  const tmp = `${file}.${process.pid}.${++seq}.tmp`;
  const text = JSON.stringify(s, null, 1) + '\n';
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
  } catch (e) {
    // `down` removes the run dir (down.ts removeRunDir): make it again.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, text, { mode: 0o600 });
  }
  renameSync(tmp, file);
}

export function removeState(project: string): void {
  rmSync(paths.state(project), { force: true });
}

export function isEmpty(s: ProjectState): boolean {
  return Object.keys(s.containers).length === 0 && Object.keys(s.networks).length === 0;
}

/**
 * The journal a running command writes through: it keeps the state in memory and rewrites the file
 * on each change. Callers hold the project lock (executor/state/lock.ts) while they use one.
 */
export class Journal {
  state: ProjectState;
  readonly project: string;

  constructor(project: string, initial?: ProjectState) {
    this.project = project;
    this.state = initial ?? readState(project);
  }

  /** Re-reads the file (another command may have changed it while we did not hold the lock). */
  reload(): ProjectState {
    this.state = readState(this.project);
    return this.state;
  }

  update(fn: (s: ProjectState) => void): void {
    fn(this.state);
    writeState(this.state);
  }

  container(id: string): ContainerRecord | undefined {
    return this.state.containers[id];
  }

  /**
   * Journals step `step` of container `id` — call BEFORE creating the host object. `patch` (what is
   * known about the object before it exists) goes into the same write: one file write per step.
   */
  begin(id: string, step: Step, patch?: Partial<ContainerRecord>): void {
    this.update((s) => {
      const c = s.containers[id];
      if (!c) throw new TscError('STATE', `No container ${id} in the journal of project "${this.project}"`);
      if (!c.steps.includes(step)) c.steps.push(step);
      if (patch) Object.assign(c, patch);
    });
  }

  /** Forgets step `step` of container `id` — call AFTER its host object is gone. */
  end(id: string, step: Step): void {
    this.update((s) => {
      const c = s.containers[id];
      if (c) c.steps = c.steps.filter((x) => x !== step);
    });
  }

  addContainer(c: ContainerRecord): void {
    this.update((s) => { s.containers[c.id] = c; });
  }

  dropContainer(id: string): void {
    this.update((s) => { delete s.containers[id]; });
  }

  patchContainer(id: string, patch: Partial<ContainerRecord>): void {
    this.update((s) => {
      const c = s.containers[id];
      if (c) Object.assign(c, patch);
    });
  }
}
