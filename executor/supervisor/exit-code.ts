// The exit-code rules of `up --abort-on-container-exit` / `--exit-code-from` (PAIN-POINTS.md #4):
// the code is the service's own exit code, or 128+signal when a signal ended it — and a service we
// stopped ourselves is never reported as 0, whatever it returned after our stop signal.
import { constants } from 'node:os';

export interface ContainerExit {
  service: string;
  name: string;
  code: number;
  signal: string | number | null;
  /** We stopped it (abort, Ctrl-C): it did not end by itself. */
  stoppedByUs: boolean;
  /** The signal we stopped it with (its stop_signal, or SIGKILL after the grace period). */
  stopSignal?: string;
}

export function signalNumber(sig: string | number | null | undefined): number | undefined {
  if (sig === null || sig === undefined) return undefined;
  if (typeof sig === 'number') return sig;
  const name = sig.startsWith('SIG') ? sig : `SIG${sig}`;
  return (constants.signals as Record<string, number>)[name];
}

/** One container's exit as a process exit code. */
export function exitCodeOf(e: ContainerExit): number {
  const sig = signalNumber(e.signal);
  if (sig !== undefined) return 128 + sig;
  if (e.stoppedByUs && e.code === 0) return 128 + (signalNumber(e.stopSignal ?? 'SIGTERM') ?? 15);
  return e.code;
}

export interface AbortOptions {
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  /** Services others wait for with service_completed_successfully: their exit 0 is the plan, not a reason to abort. */
  oneShots?: string[];
}

/** Whether this (first, self-made) exit ends `up`, and the line that says why. */
export function abortOn(opts: AbortOptions, e: ContainerExit): { abort: boolean; message?: string } {
  const code = exitCodeOf(e);
  const on = opts.abortOnContainerExit || opts.exitCodeFrom !== undefined || (opts.abortOnContainerFailure && code !== 0);
  if (!on || e.stoppedByUs) return { abort: false };
  if (code === 0 && opts.oneShots?.includes(e.service)) return { abort: false };
  return { abort: true, message: `Aborting because ${e.name} exited ${describe(e)}` };
}

export function describe(e: ContainerExit): string {
  const sig = signalNumber(e.signal);
  if (sig !== undefined) return `${128 + sig} (killed by ${typeof e.signal === 'string' ? e.signal : `signal ${sig}`})`;
  return String(e.code);
}

/**
 * The exit code of `up` once every container is down. `exits` in the order they happened.
 * --exit-code-from: that service's code (its first container's, the way compose does);
 * --abort-on-container-exit: the code of the container whose exit caused the abort.
 */
export function upExitCode(opts: AbortOptions, exits: ContainerExit[], abortedBy?: ContainerExit): number {
  if (opts.exitCodeFrom !== undefined) {
    const own = exits.find((e) => e.service === opts.exitCodeFrom);
    // Never exited at all (we could not even stop it cleanly): a failure, not success.
    return own ? exitCodeOf(own) : 1;
  }
  if (abortedBy) return exitCodeOf(abortedBy);
  return 0;
}
