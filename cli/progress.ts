// Progress of `up`/`down`/`stop`…: one renderer per --progress mode, all fed the same project
// events. `plain` (the default when CI=true or stdout is not a TTY) prints one line per event and
// never repaints (PAIN-POINTS.md #5); `tty` keeps one line per resource and redraws in place;
// `json` prints each event as a JSON line; `quiet` prints nothing.
import type { ProjectEvent } from '../executor/supervisor/events.ts';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'quiet';

export interface Progress {
  event(e: ProjectEvent): void;
  /** A line that is not an event (warnings, summaries). */
  note(line: string): void;
  done(): void;
}

export function progressMode(flag: string | undefined, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (flag && flag !== 'auto') return flag as ProgressMode;
  if (process.env.CI === 'true' || process.env.CI === '1' || !stream.isTTY) return 'plain';
  return 'tty';
}

const LABEL: Partial<Record<ProjectEvent['action'], string>> = {
  create: 'Creating', created: 'Created', start: 'Starting', started: 'Started', stop: 'Stopping', stopped: 'Stopped',
  remove: 'Removing', removed: 'Removed', kill: 'Killing', restart: 'Restarting', pause: 'Paused', unpause: 'Unpaused',
  waiting: 'Waiting', healthy: 'Healthy', error: 'Error', die: 'Exited', exited: 'Exited',
  'network-create': 'Creating', 'network-remove': 'Removing', 'volume-create': 'Creating', 'volume-remove': 'Removing',
  health_status: 'Health', info: '',
};

function kind(e: ProjectEvent): string {
  return e.type === 'network' ? 'Network' : e.type === 'volume' ? 'Volume' : e.type === 'project' ? 'Project' : 'Container';
}

export function lineOf(e: ProjectEvent): string {
  const label = LABEL[e.action] ?? e.action;
  const detail = e.detail && e.action !== 'created' && e.action !== 'started' ? ` ${e.action === 'health_status' ? e.detail : `(${e.detail})`}` : '';
  const code = e.exitCode !== undefined && e.action === 'exited' && !e.detail ? ` (exit code ${e.exitCode})` : '';
  return ` ${kind(e)} ${e.name}  ${label}${detail}${code}`;
}

export function createProgress(mode: ProgressMode, out: NodeJS.WriteStream = process.stderr): Progress {
  if (mode === 'quiet') return { event() {}, note() {}, done() {} };
  if (mode === 'json') {
    return {
      event: (e) => { out.write(JSON.stringify(e) + '\n'); },
      note: (line) => { out.write(JSON.stringify({ time: new Date().toISOString(), type: 'project', action: 'info', name: '', detail: line }) + '\n'); },
      done() {},
    };
  }
  if (mode === 'plain') {
    return {
      event: (e) => { if (e.action !== 'die') out.write(lineOf(e) + '\n'); },
      note: (line) => { out.write(line + '\n'); },
      done() {},
    };
  }
  return ttyProgress(out);
}

/** One line per resource, redrawn in place (at most every 80 ms), with the time each one took. */
function ttyProgress(out: NodeJS.WriteStream): Progress {
  const rows = new Map<string, { text: string; since: number; final: boolean; took?: number }>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const FINAL = new Set(['created', 'started', 'stopped', 'removed', 'healthy', 'error', 'exited']);
  const draw = () => {
    timer = undefined;
    if (drawn) out.write(`\x1b[${drawn}A`);
    const now = Date.now();
    for (const [, r] of rows) {
      const t = ((r.took ?? now - r.since) / 1000).toFixed(1);
      const mark = r.final ? (r.text.includes('Error') ? '\x1b[31m✘\x1b[0m' : '\x1b[32m✔\x1b[0m') : '\x1b[36m⠿\x1b[0m';
      out.write(`\x1b[2K ${mark}${r.text} \x1b[2m${t}s\x1b[0m\n`);
    }
    drawn = rows.size;
  };
  const schedule = () => { timer ??= setTimeout(draw, 80); };
  return {
    event(e) {
      if (e.action === 'die' || e.action === 'health_status') return;
      const key = `${e.type}:${e.name}`;
      const prev = rows.get(key);
      const final = FINAL.has(e.action);
      const row = { text: lineOf(e), since: prev?.since ?? Date.now(), final, ...(final ? { took: Date.now() - (prev?.since ?? Date.now()) } : {}) };
      rows.set(key, row);
      schedule();
    },
    note(line) {
      if (timer) { clearTimeout(timer); draw(); }
      out.write(line + '\n');
      drawn = 0;
      rows.clear();
    },
    done() {
      if (timer) clearTimeout(timer);
      draw();
    },
  };
}
