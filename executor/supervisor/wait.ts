// `up --wait`, pure: is every service where it should be? Running (and healthy, when it has a
// healthcheck) — or, for a one-shot service (restart "no"), exited 0: that is its success state
// (PAIN-POINTS.md #1). A non-zero exit or an unhealthy container ends the wait as a failure.
export interface WaitView {
  name: string;
  status: 'created' | 'running' | 'exited' | 'paused' | 'dead';
  /** undefined: no healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  exitCode?: number;
  /** restart policy "no": may finish. */
  oneShot: boolean;
  /** The restart policy will bring it back. */
  restarting?: boolean;
}

export type WaitVerdict = { state: 'ready'; lines: string[] } | { state: 'pending'; waitingFor: string[] } | { state: 'failed'; reason: string };

export function waitVerdict(cs: WaitView[]): WaitVerdict {
  const waiting: string[] = [];
  const lines: string[] = [];
  for (const c of cs) {
    if (c.status === 'exited' || c.status === 'dead') {
      if (c.restarting) { waiting.push(`${c.name} restarting`); continue; }
      if (c.oneShot && c.exitCode === 0) { lines.push(`${c.name} exited 0 (completed)`); continue; }
      return { state: 'failed', reason: `${c.name} exited with code ${c.exitCode ?? 'unknown'}` };
    }
    if (c.health === 'unhealthy') return { state: 'failed', reason: `${c.name} is unhealthy` };
    if (c.status === 'created') { waiting.push(`${c.name} not started`); continue; }
    if (c.health === 'starting') { waiting.push(`${c.name} healthy`); continue; }
    lines.push(`${c.name} ${c.health === 'healthy' ? 'healthy' : c.status}`);
  }
  return waiting.length ? { state: 'pending', waitingFor: waiting } : { state: 'ready', lines };
}
