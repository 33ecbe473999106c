// The seam between watch mode and the rest of tscompose. Watch decides WHAT to do (which files,
// which containers, sync then restart or exec); whoever runs the stack (the supervisor in
// `up --watch`, or `tscompose watch` talking to it) implements these few effects.
import type { WatchExec } from './rules.ts';
import { TscError } from '../../schema/errors.ts';

export interface ContainerView {
  id: string;
  /** The container's rootfs as the host sees it: `paths.container(id)/merged`, mounted in the host mount namespace. */
  rootDir: string;
  /** Owner of synced files: the container's `user`, resolved to numbers against its /etc/passwd. */
  uid: number;
  gid: number;
  /** Bind mounts and volumes (host source → container target); they shadow the overlay below their target. */
  mounts: { source: string; target: string; readOnly: boolean }[];
  /**
   * Targets of mounts with no host directory behind them (tmpfs, /dev, /proc…). A sync below one
   * goes through `/proc/<pid>/root` when `pid` is given, else it is refused with a clear error.
   */
  unreachable?: string[];
  /** PID 1 of the container (host view), when running. */
  pid?: number;
}

export interface WatchActions {
  /** Running containers (replicas) of a service; [] when none is running. */
  containers(service: string): Promise<ContainerView[]>;
  restart(service: string): Promise<void>;
  exec(containerId: string, exec: WatchExec): Promise<{ code: number }>;
  /** Rebuild the service's image and recreate its containers (`up -d --build --no-deps SERVICE`). */
  rebuild(service: string): Promise<void>;
  /** A stack file (or .env / env_file) changed: reload, plan, recreate what changed; throw to report a broken edit. */
  reload(): Promise<void>;
  /** One line for the terminal (`web: synced 3 files (12 ms)`), merged with the services' logs. */
  log(line: string): void;
}

/** What a WatchActions.rebuild throws when whoever runs the stack cannot rebuild (tests' fakes, a service without `build:`). */
export function rebuildUnavailable(service: string, why = 'no rebuild is wired for this session'): TscError {
  return new TscError('WATCH_REBUILD', `${service}: rebuild skipped: ${why}`, {
    hint: 'a rebuild rule needs a `build:` section on its service; sync/restart rules work meanwhile',
  });
}
