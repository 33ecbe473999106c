// Restart decisions, pure: `restart:` (no, always, on-failure[:N], unless-stopped) and
// `deploy.restart_policy` (condition, delay, max_attempts, window), with docker's backoff:
// the delay doubles per consecutive restart (from 100 ms, or the policy's delay) up to 1 min,
// and resets once a container ran for 10 s.
import type { Service } from '../../schema/model.ts';

export interface RestartPolicy {
  kind: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /** Restarts allowed (on-failure:N, max_attempts); undefined = unlimited. */
  maxRestarts?: number;
  baseDelayMs: number;
  /** deploy.restart_policy.window: how long a restart must run to count as a success. */
  windowMs?: number;
}

export const MAX_DELAY_MS = 60_000;
export const RESET_AFTER_MS = 10_000;

export function policyOf(service: Service): RestartPolicy {
  const rp = service.deploy?.restart_policy;
  if (rp) {
    const kind = rp.condition === 'none' ? 'no' : rp.condition === 'on-failure' ? 'on-failure' : 'always';
    const p: RestartPolicy = { kind, baseDelayMs: rp.delay ?? 100 };
    if (rp.max_attempts !== undefined && rp.max_attempts > 0) p.maxRestarts = rp.max_attempts;
    if (rp.window !== undefined) p.windowMs = rp.window;
    return p;
  }
  const r = service.restart ?? 'no';
  const m = /^on-failure(?::(\d+))?$/.exec(r);
  if (m) {
    const p: RestartPolicy = { kind: 'on-failure', baseDelayMs: 100 };
    if (m[1] !== undefined && Number(m[1]) > 0) p.maxRestarts = Number(m[1]);
    return p;
  }
  if (r === 'always' || r === 'unless-stopped') return { kind: r, baseDelayMs: 100 };
  return { kind: 'no', baseDelayMs: 100 };
}

export interface RestartHistory {
  /** Consecutive restarts so far (reset after a long enough run). */
  restartCount: number;
  /** How long the container ran before this exit. */
  ranMs: number;
}

export interface RestartDecision {
  restart: boolean;
  delayMs: number;
  /** The restart count to record if restarting. */
  nextCount: number;
  reason: string;
}

export function decideRestart(p: RestartPolicy, exitCode: number, h: RestartHistory, stoppedByUser: boolean): RestartDecision {
  const no = (reason: string): RestartDecision => ({ restart: false, delayMs: 0, nextCount: h.restartCount, reason });
  if (stoppedByUser) return no('stopped by the user');
  if (p.kind === 'no') return no('restart policy is "no"');
  if (p.kind === 'on-failure' && exitCode === 0) return no('exited 0 and the policy is on-failure');
  // A run longer than the window (or 10 s) is a success: backoff and attempt count start over.
  const resetAfter = p.windowMs ?? RESET_AFTER_MS;
  const count = h.ranMs >= resetAfter ? 0 : h.restartCount;
  if (p.maxRestarts !== undefined && count >= p.maxRestarts) return no(`gave up after ${count} restarts`);
  const delayMs = Math.min(p.baseDelayMs * 2 ** count, Math.max(MAX_DELAY_MS, p.baseDelayMs));
  return { restart: true, delayMs, nextCount: count + 1, reason: `restart policy "${p.kind}"` };
}
