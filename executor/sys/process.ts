// Signals to processes by PID, with typed errors. Node's process.kill is enough here (it is a
// plain kill(2)); signal names and numbers both accepted, as compose's stop_signal allows.
import { constants } from 'node:os';
import { SysError, TscError } from '../../schema/errors.ts';

/** "SIGTERM", "TERM", "15" or 15 → 15. */
export function signalNumber(sig: string | number): number {
  if (typeof sig === 'number') return sig;
  if (/^\d+$/.test(sig)) return Number(sig);
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new TscError('SIGNAL', `Unknown signal "${sig}"`);
  return n;
}

export function signalName(n: number): string {
  for (const [name, num] of Object.entries(constants.signals)) if (num === n) return name;
  return String(n);
}

/** kill(2). `ESRCH` (already gone) is reported as false, every other failure is thrown. */
export function killProcess(pid: number, sig: string | number): boolean {
  try {
    process.kill(pid, signalNumber(sig));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ESRCH') return false;
    throw new SysError('kill', code, String(pid));
  }
}
