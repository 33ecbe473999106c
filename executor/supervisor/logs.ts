// Container logs: the waiter writes `<containerDir>/log` in CRI format
// (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`, rotated to log.1 …); this reads them back,
// follows them, and prints them like compose: `name  | line`, one colour per service.
import { openSync, readSync, closeSync, statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Parses CRI lines; partial (P) records are joined with the full (F) one that ends them. */
export function parseCri(text: string, pending: { partial: string } = { partial: '' }): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const c = raw.indexOf(' ', b + 1);
    if (a < 0 || b < 0) continue;
    const time = raw.slice(0, a);
    const stream = raw.slice(a + 1, b) === 'stderr' ? 'stderr' : 'stdout';
    const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const body = c < 0 ? '' : raw.slice(c + 1);
    if (tag === 'P') {
      pending.partial += body;
      continue;
    }
    out.push({ time, stream, text: pending.partial + body });
    pending.partial = '';
  }
  return out;
}

export function logFiles(containerDir: string): string[] {
  const files: string[] = [];
  for (let i = 9; i >= 1; i--) {
    const f = join(containerDir, `log.${i}`);
    if (existsSync(f)) files.push(f);
  }
  files.push(join(containerDir, 'log'));
  return files;
}

/** Every line so far (rotated files first), optionally filtered by time. */
export function readLogs(containerDir: string, o: { since?: number; until?: number; tail?: number } = {}): LogLine[] {
  let lines: LogLine[] = [];
  for (const f of logFiles(containerDir)) {
    try { lines = lines.concat(parseCri(readFileSync(f, 'utf8'))); } catch { /* not written yet */ }
  }
  if (o.since !== undefined || o.until !== undefined) {
    lines = lines.filter((l) => {
      const t = Date.parse(l.time);
      return (o.since === undefined || t >= o.since) && (o.until === undefined || t < o.until);
    });
  }
  if (o.tail !== undefined && o.tail >= 0) lines = lines.slice(Math.max(0, lines.length - o.tail));
  return lines;
}

export function lastLines(containerDir: string, n: number): string[] {
  return readLogs(containerDir, { tail: n }).map((l) => l.text);
}

/**
 * Follows `<dir>/log` from byte `from` (default: its current end), calling `onLine` per line.
 * Polls (a rotated or recreated file is noticed by its inode or a shrink), so it also works on
 * filesystems without inotify. Returns a stop function.
 */
export function followLog(containerDir: string, onLine: (l: LogLine) => void, o: { fromStart?: boolean; intervalMs?: number } = {}): () => void {
  const file = join(containerDir, 'log');
  let ino = -1;
  let pos = 0;
  const pending = { partial: '' };
  let carry = '';
  const st0 = statOrUndefined(file);
  if (st0) {
    ino = st0.ino;
    pos = o.fromStart ? 0 : st0.size;
  }
  const buf = Buffer.alloc(64 * 1024);
  const tick = () => {
    const st = statOrUndefined(file);
    if (!st) return;
    if (st.ino !== ino || st.size < pos) {
      ino = st.ino;
      pos = 0;
      carry = '';
    }
    if (st.size <= pos) return;
    let fd: number;
    try { fd = openSync(file, 'r'); } catch { return; }
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        const text = carry + buf.subarray(0, n).toString('utf8');
        const nl = text.lastIndexOf('\n');
        carry = nl < 0 ? text : text.slice(nl + 1);
        if (nl >= 0) for (const l of parseCri(text.slice(0, nl + 1), pending)) onLine(l);
      }
    } finally {
      closeSync(fd);
    }
  };
  tick();
  const timer = setInterval(tick, o.intervalMs ?? 100);
  return () => {
    clearInterval(timer);
    tick();
  };
}

function statOrUndefined(f: string) {
  try { return statSync(f); } catch { return undefined; }
}

// docker compose's palette order: cyan, yellow, green, magenta, blue, then the bright ones.
const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export class Prefixer {
  private readonly colourOf = new Map<string, number>();
  private width = 0;
  readonly colour: boolean;
  readonly enabled: boolean;
  readonly timestamps: boolean;

  constructor(o: { colour: boolean; enabled?: boolean; timestamps?: boolean; names?: string[] }) {
    this.colour = o.colour;
    this.enabled = o.enabled ?? true;
    this.timestamps = o.timestamps ?? false;
    for (const n of o.names ?? []) this.width = Math.max(this.width, n.length);
  }

  format(name: string, service: string, l: LogLine): string {
    const ts = this.timestamps ? `${l.time} ` : '';
    if (!this.enabled) return ts + l.text;
    this.width = Math.max(this.width, name.length);
    let c = this.colourOf.get(service);
    if (c === undefined) {
      c = COLOURS[this.colourOf.size % COLOURS.length]!;
      this.colourOf.set(service, c);
    }
    const prefix = `${name.padEnd(this.width)}  | `;
    return (this.colour ? `\x1b[${c}m${prefix}\x1b[0m` : prefix) + ts + l.text;
  }
}
