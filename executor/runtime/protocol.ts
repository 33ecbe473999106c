// The helper → parent protocol (mirrors the message list at the top of native/helper.c).
// One text line per message on the inherited socket; decoding lives here and only here.
import { TscError, SysError } from '../../schema/errors.ts';
import { errnoName } from '../sys/errno.ts';

export type HelperMessage =
  | { type: 'pid'; pid: number }
  | { type: 'created' }
  | { type: 'ready' }
  | { type: 'error'; step: string; errno: string; path: string }
  | { type: 'exit'; code: number; signal: number | null };

export function decodeMessage(line: string): HelperMessage {
  const [kind, ...rest] = line.split(' ');
  switch (kind) {
    case 'pid': {
      const pid = Number(rest[0]);
      if (Number.isInteger(pid) && pid > 0) return { type: 'pid', pid };
      break;
    }
    case 'created':
    case 'ready':
      if (rest.length === 0) return { type: kind };
      break;
    case 'error': {
      const [step, errno, ...path] = rest;
      if (step && errno && /^\d+$/.test(errno)) return { type: 'error', step, errno: errnoName(Number(errno)), path: path.join(' ') };
      break;
    }
    case 'exit': {
      const code = Number(rest[0]);
      const sig = Number(rest[1]);
      if (Number.isInteger(code) && Number.isInteger(sig)) return { type: 'exit', code, signal: sig === 0 ? null : sig };
      break;
    }
  }
  throw new TscError('HELPER_PROTOCOL', `Unexpected message from the launch helper: ${JSON.stringify(line.slice(0, 200))}`);
}

/** Splits a byte stream into complete lines; keeps the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop() ?? '';
    return parts.filter((l) => l.length > 0);
  }
}

const HINTS: Record<string, Record<string, string>> = {
  exec: { ENOENT: 'the command was not found in the container (check command/entrypoint and PATH)', EACCES: 'the command is not executable for the container user' },
  mount: { ENOENT: 'the mount source does not exist on the host' },
  rlimit: { EPERM: 'the ulimit is above what the host allows' },
  user: { EINVAL: 'the uid/gid is not valid' },
  cgroup: { ENOENT: 'the container cgroup does not exist (was it removed?)' },
};

/** An `error` message as a SysError naming the failed step, the object and errno (with a hint when we know one). */
export function stepError(m: { step: string; errno: string; path: string }): SysError {
  const hint = HINTS[m.step]?.[m.errno];
  return new SysError(m.step, m.errno, m.path || undefined, hint ? { hint } : {});
}
