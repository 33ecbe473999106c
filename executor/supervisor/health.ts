// The healthcheck state machine, pure (docker's semantics): during start_period failures do not
// count (but one success makes it healthy) and probes run every start_interval; afterwards every
// interval, and `retries` consecutive failures make it unhealthy. A probe that outlives `timeout`
// is a failure. The supervisor runs the probes (runtime execIn) and feeds results in here.
import type { Healthcheck, Service } from '../../schema/model.ts';
import type { ImageInfo } from './ports.ts';

export interface HealthConfig {
  /** The argv run inside the container. */
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface ProbeResult {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last five probes, newest last (docker keeps five too). */
  log: ProbeResult[];
}

const NS = 1e6; // image config durations are nanoseconds

export function healthConfigOf(service: Service, image?: ImageInfo): HealthConfig | undefined {
  const hc: Healthcheck | undefined = service.healthcheck;
  if (hc?.disable) return undefined;
  const img = image?.config.Healthcheck;
  const test = hc?.test ?? img?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') return undefined;
  const argv = probeArgv(test);
  if (!argv) return undefined;
  const pick = (v: number | undefined, imgNs: number | undefined, dflt: number) => v ?? (imgNs ? imgNs / NS : dflt);
  return {
    argv,
    intervalMs: pick(hc?.interval, img?.Interval, 30_000),
    timeoutMs: pick(hc?.timeout, img?.Timeout, 30_000),
    retries: hc?.retries ?? img?.Retries ?? 3,
    startPeriodMs: pick(hc?.start_period, img?.StartPeriod, 0),
    startIntervalMs: pick(hc?.start_interval, img?.StartInterval, 5_000),
  };
}

export function probeArgv(test: string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  if (kind === 'NONE') return undefined;
  // A bare string list is a shell command (compose's string form normalizes to CMD-SHELL already).
  return ['/bin/sh', '-c', test.join(' ')];
}

export function initialHealth(): HealthState {
  return { status: 'starting', failingStreak: 0, log: [] };
}

/** Milliseconds until the next probe, given how long ago the container started. */
export function nextProbeDelay(cfg: HealthConfig, state: HealthState, sinceStartMs: number): number {
  const inStart = sinceStartMs < cfg.startPeriodMs && state.status === 'starting';
  return inStart ? cfg.startIntervalMs : cfg.intervalMs;
}

/** The state after one probe. */
export function applyProbe(cfg: HealthConfig, state: HealthState, r: ProbeResult, sinceStartMs: number): HealthState {
  const log = [...state.log, r].slice(-5);
  if (r.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (sinceStartMs < cfg.startPeriodMs && state.status === 'starting') return { status: 'starting', failingStreak: 0, log };
  const failingStreak = state.failingStreak + 1;
  return { status: failingStreak >= cfg.retries ? 'unhealthy' : state.status, failingStreak, log };
}

export function lastOutput(state: HealthState | undefined): string {
  const r = state?.log.at(-1);
  if (!r) return 'no probe has run yet';
  const out = r.output.trim().split('\n').slice(-3).join(' / ');
  return `exit ${r.exitCode}${out ? `: ${out}` : ''}`;
}
