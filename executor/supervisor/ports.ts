// The supervisor's view of the other parts. Every call into images, rootfs, runtime, cgroups,
// netmgr and volumes goes through `Engine`, so the supervisor's logic is unit-tested with the
// recording fakes in test/unit/supervisor/fakes.ts, and executor/supervisor/engine.ts adapts the
// real parts (docs/contracts.md) to it. Types here are the supervisor's own, shaped like the
// contracts; the adapter maps where the real ones differ.
import type { Network, PortConfig, Project, Service, ServiceNetwork, Volume } from '../../schema/model.ts';
import type { ExitInfo } from '../state/observe.ts';

export type { ExitInfo };

export interface ImageInfo {
  ref: string;
  id: string;
  digest?: string;
  config: {
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    User?: string;
    StopSignal?: string;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number };
    Labels?: Record<string, string>;
  };
  layerDirs: string[];
}

export interface ImagePort {
  ensure(ref: string, policy: 'always' | 'missing' | 'never'): Promise<ImageInfo>;
}

export interface RootfsPort {
  mount(o: { containerDir: string; layerDirs: string[]; initFiles: Record<string, string>; mountPoints?: string[] }): Promise<{ merged: string }>;
  /** Idempotent. */
  unmount(containerDir: string): Promise<void>;
}

/** A service's volumes made ready on the host (executor/volume prepareVolumes). */
export interface PreparedVolumes {
  /** Compose volume key → host dir. */
  volumes: Record<string, string>;
  /** Container target → host dir. */
  anonymousVolumes: Record<string, string>;
  /** Container target → anonymous volume name. */
  anonymousNames: Record<string, string>;
}

export interface SpecRequest {
  project: Project;
  serviceName: string;
  service: Service;
  id: string;
  name: string;
  image: ImageInfo;
  rootfs: string;
  hostname: string;
  volumes: PreparedVolumes;
  netnsPath?: string;
}

export interface Launched {
  pid: number;
  waiterPid: number;
}

export interface ExecRequest {
  pid: number;
  cgroupProcs: string[];
  argv: string[];
  env?: string[];
  user?: string;
  cwd?: string;
  tty?: boolean;
  /** 'inherit' for `exec`, 'pipe' for healthchecks (output is returned). */
  stdio: 'inherit' | 'pipe' | 'ignore';
  name?: string;
  /** The container's dir (defaults: env, user, cwd, caps, seccomp); engine.ts finds it by pid when absent. */
  containerDir?: string;
  /** Aborting kills the exec'd process (healthcheck timeout). */
  signal?: AbortSignal;
  detach?: boolean;
}

export interface ExecResult {
  code: number;
  signal: string | number | null;
  output?: string;
}

export interface RuntimePort {
  buildSpec(req: SpecRequest): unknown;
  launch(o: { id: string; name: string; spec: unknown; containerDir: string; netnsPath?: string; cgroupProcs: string[]; logMaxSize?: number; logMaxFiles?: number;
    /** `run -i`: this process's fd that becomes the container's stdin; `run -t`: the fd that gets the tty's output. */
    stdinFd?: number; ttyOutFd?: number }): Promise<Launched>;
  readExit(containerDir: string): ExitInfo | undefined;
  /** Resolves when the container's waiter has recorded its exit (works for containers launched by another process). */
  waitExit(containerDir: string, signal?: AbortSignal): Promise<ExitInfo>;
  execIn(o: ExecRequest): Promise<ExecResult>;
  kill(pid: number, signal: string | number): void;
  /** Deletes what launch wrote in the container dir (used before the dir itself goes). */
}

export interface CgroupStats {
  cpuUsageNs?: number;
  memoryBytes?: number;
  memoryLimit?: number;
  pids?: number;
}

export interface CgroupPort {
  resourcesOf(service: Service): unknown;
  create(project: string, id: string, resources: unknown): unknown;
  procsFiles(handle: unknown): string[];
  freeze(handle: unknown): void | Promise<void>;
  thaw(handle: unknown): void | Promise<void>;
  stats(handle: unknown): CgroupStats;
  oomKilled(handle: unknown): boolean;
  killAll(handle: unknown): void | Promise<void>;
  /** Idempotent; `handle` undefined when a crash came between journaling and the driver returning it. */
  remove(project: string, id: string, handle: unknown): void | Promise<void>;
  removeProject(project: string): void | Promise<void>;
  pids(handle: unknown): number[];
}

export interface AttachTarget {
  id: string;
  name: string;
  service: string;
  aliases: string[];
  hostname: string;
}

export interface NetPort {
  createNetns(id: string): string;
  /** Idempotent. */
  removeNetns(id: string): void | Promise<void>;
  ensureNetwork(project: string, key: string, net: Network): Promise<unknown>;
  /** Idempotent. */
  removeNetwork(name: string): Promise<void>;
  attach(netnsPath: string, c: AttachTarget, nets: { key: string; network: unknown; cfg: ServiceNetwork | null }[]): Promise<void>;
  /** Idempotent. */
  detach(id: string): Promise<void>;
  /** Returns the bindings as shown by `port`/`ps` (`127.0.0.1:8080->80/tcp`). */
  publish(id: string, ports: PortConfig[], netnsPath: string): Promise<string[]>;
  /** Idempotent. */
  unpublish(id: string): Promise<void>;
  /** /etc/hosts, /etc/hostname, /etc/resolv.conf for the init layer. */
  initFiles(project: Project, serviceName: string, c: AttachTarget): Record<string, string>;
  /** The embedded DNS server for our networks, hosted by the supervisor. */
  startDns(): Promise<{ close(): Promise<void> }>;
}

export interface VolumePort {
  /** Creates the named volume if missing (createVolume ops); returns the host path of its data. */
  ensure(name: string, v: Volume | undefined, project: string): Promise<string>;
  /** Named, anonymous and bind volumes of a service, seeded from the mounted rootfs. */
  prepare(o: { project: Project; service: Service; rootfs: string; imageVolumes: string[]; reuseAnonymous: Record<string, string> }): Promise<PreparedVolumes>;
  /** A fresh anonymous volume name (journaled before the volume exists). */
  anonymousName(): string;
  /** Idempotent. */
  remove(name: string): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Engine {
  images: ImagePort;
  rootfs: RootfsPort;
  runtime: RuntimePort;
  cgroups: CgroupPort;
  net: NetPort;
  volumes: VolumePort;
  clock: Clock;
}
