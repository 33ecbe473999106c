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
  /** Final render; await it before printing anything else. */
  done(): void | Promise<void>;
}

/** A resource the plan will act on, known up front: on a TTY, listr2 shows one task each. */
export interface PlannedResource {
  type: ProjectEvent['type'];
  name: string;
  /** The event that completes it (`started`, `created`, `removed`, `network-created`…); none: nothing to do. */
  until?: ProjectEvent['action'];
  /** Shown while nothing happened to it yet. */
  title: string;
}

export function progressMode(flag: string | undefined, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (flag && flag !== 'auto') return flag as ProgressMode;
  if (process.env.CI === 'true' || process.env.CI === '1' || !stream.isTTY) return 'plain';
  return 'tty';
}

const LABEL: Partial<Record<ProjectEvent['action'], string>> = {
  create: 'Creating', created: 'Created', recreate: 'Recreate', start: 'Starting', started: 'Started', stop: 'Stopping', stopped: 'Stopped',
  remove: 'Removing', removed: 'Removed', kill: 'Killing', restart: 'Restarting', pause: 'Paused', unpause: 'Unpaused',
  waiting: 'Waiting', healthy: 'Healthy', error: 'Error', die: 'Exited', exited: 'Exited',
  'network-create': 'Creating', 'network-created': 'Created', 'network-remove': 'Removing', 'network-removed': 'Removed',
  'volume-create': 'Creating', 'volume-created': 'Created', 'volume-remove': 'Removing', 'volume-removed': 'Removed',
  pull: 'Pulling', pulled: 'Pulled', 'image-remove': 'Removing', 'image-removed': 'Removed',
  // docker compose's words for an image it could not or need not remove.
  'image-kept': 'Resource is still in use', 'image-missing': 'Warning: No resource found to remove',
  health_status: 'Health', info: '',
};

function kind(e: ProjectEvent): string {
  return e.type === 'network' ? 'Network' : e.type === 'volume' ? 'Volume' : e.type === 'image' ? 'Image' : e.type === 'project' ? 'Project' : 'Container';
}

export function lineOf(e: ProjectEvent): string {
  const label = LABEL[e.action] ?? e.action;
  const detail = e.detail && e.action !== 'created' && e.action !== 'started' ? ` ${e.action === 'health_status' ? e.detail : `(${e.action === 'recreate' || e.action === 'restart' ? unnest(e.detail) : e.detail})`}` : '';
  const code = e.exitCode !== undefined && e.action === 'exited' && !e.detail ? ` (exit code ${e.exitCode})` : '';
  return ` ${kind(e)} ${e.name}  ${label}${detail}${code}`;
}

/**
 * A plan's cause shown in parentheses that ends in its own: `config changed (environment)` reads
 * `(config changed: environment)` rather than with nested parentheses.
 */
function unnest(detail: string): string {
  return detail.replace(/ \(([^()]*)\)$/, ': $1');
}

export function createProgress(mode: ProgressMode, out: NodeJS.WriteStream = process.stderr, resources?: PlannedResource[]): Progress {
  if (mode === 'tty' && resources?.length) return listrProgress(out, resources);
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
  const FINAL = new Set(['created', 'started', 'stopped', 'removed', 'healthy', 'error', 'exited', 'network-created', 'network-removed',
    'volume-created', 'volume-removed', 'pulled', 'image-removed', 'image-kept', 'image-missing']);
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

/**
 * listr2 on a TTY: one task per planned resource, all concurrent (the plan is a graph), each
 * titled with its latest event and finished by the event that completes it; errors fail it.
 */
function listrProgress(out: NodeJS.WriteStream, resources: PlannedResource[]): Progress {
  interface Slot extends ListrSlot { until?: string }
  const slots = new Map<string, Slot>();
  const keyOf = (type: string, name: string) => `${type}:${name}`;
  let listr: Promise<unknown> | undefined;
  const start = (async () => {
    const listr2 = await import('listr2');
    const tasks = resources.map((r) => {
      // Not a spread: the slot's `run` closes over the object openSlot made.
      const slot: Slot = Object.assign(openSlot(r.title), r.until ? { until: r.until } : {});
      slots.set(keyOf(r.type, r.name), slot);
      if (!r.until) { slot.settled = true; slot.settle(); }
      return { title: r.title, task: slot.run };
    });
    listr = runListr(listr2, out, tasks);
  })();
  return {
    event(e) {
      void start.then(() => {
        const slot = slots.get(keyOf(e.type, e.name));
        if (!slot || slot.settled) return;
        if (e.action === 'health_status' || e.action === 'die') return;
        slot.title = lineOf(e).trim();
        if (slot.task) slot.task.title = slot.title;
        if (e.action === 'error') { slot.settled = true; slot.settle(new Error(e.detail ?? 'failed')); }
        else if (e.action === slot.until || e.action === 'removed' || e.action === 'exited') {
          slot.settled = true;
          slot.settle();
        }
      });
    },
    ...listrNoteDone(out, start, slots, () => listr),
  };
}

/**
 * Runs listr2 tasks on `out` as both renderers (here and cli/build-progress.ts) do: all at once,
 * one failing task not stopping the others, no signal handlers of its own (the CLI has them), with
 * timers. Resolves after the last render; never rejects (a failed task shows in its title).
 */
export function runListr(listr2: typeof import('listr2'), out: NodeJS.WritableStream,
  tasks: ConstructorParameters<typeof import('listr2').Listr>[0]): Promise<unknown> {
  const { Listr, ListrLogger, ProcessOutput, PRESET_TIMER } = listr2;
  const logger = new ListrLogger({ processOutput: new ProcessOutput(out as NodeJS.WriteStream, out as NodeJS.WriteStream) });
  return new Listr(tasks, {
    concurrent: true, exitOnError: false, registerSignalListeners: false,
    rendererOptions: { logger, timer: PRESET_TIMER, collapseSubtasks: false },
    fallbackRendererOptions: { logger, timer: PRESET_TIMER },
  }).run().catch(() => undefined);
}

/**
 * One listr2 task of a renderer (here and cli/build-progress.ts): `run` is the task; it shows
 * `title` until `settle` is called (with an error the task fails). `task` is listr2's handle once running.
 */
export interface ListrSlot {
  title: string; settled: boolean; task?: { title: string; output: string };
  settle(err?: Error): void; run(ctx: unknown, task: { title: string; output: string }): Promise<void>;
}

export function openSlot(title: string): ListrSlot {
  let settle: (err?: Error) => void = () => {};
  const finished = new Promise<void>((res, rej) => { settle = (err) => (err ? rej(err) : res()); });
  finished.catch(() => undefined);
  const slot: ListrSlot = {
    title, settled: false, settle: (err) => settle(err),
    async run(_ctx, task) {
      slot.task = task;
      task.title = slot.title;
      await finished;
      task.title = slot.title;
    },
  };
  return slot;
}

/**
 * note/done of a listr2 renderer (here and cli/build-progress.ts). listr2 owns the screen, so a
 * note goes to the output bar of a task still running (a plain write would be drawn over), and
 * straight to the stream once none is; done finishes the tasks still open and waits for
 * listr2's last render. `ready` resolves once listr2 is loaded and the slots exist.
 */
export function listrNoteDone(out: NodeJS.WritableStream, ready: Promise<unknown>, slots: Map<string, ListrSlot>,
  rendered: () => Promise<unknown> | undefined): { note(line: string): void; done(): Promise<void> } {
  return {
    note(line) {
      void ready.then(() => {
        const open = [...slots.values()].find((x) => !x.settled && x.task);
        if (open?.task) open.task.output = line;
        else out.write(line + '\n');
      });
    },
    async done() {
      await ready;
      for (const slot of slots.values()) if (!slot.settled) { slot.settled = true; slot.settle(); }
      await rendered();
    },
  };
}

/** The resources of a plan as listr2 tasks (containers, networks, volumes in plan order). */
export function resourcesOfPlan(ops: { type: string; kind?: string; resource?: string }[]): PlannedResource[] {
  const out = new Map<string, PlannedResource>();
  for (const op of ops) {
    if (!op.resource) continue;
    const type = op.kind === 'network' ? 'network' : op.kind === 'volume' ? 'volume' : 'container';
    const key = `${type}:${op.resource}`;
    const label = type === 'network' ? 'Network' : type === 'volume' ? 'Volume' : 'Container';
    const until: PlannedResource['until'] | undefined = op.type === 'createNetwork' ? 'network-created' : op.type === 'createVolume' ? 'volume-created'
      : op.type === 'start' || op.type === 'restart' ? 'started' : op.type === 'create' || op.type === 'recreate' ? 'created'
      : op.type === 'remove' ? 'removed' : op.type === 'stop' ? 'stopped' : undefined;
    const prev = out.get(key);
    // A later op on the same container (create → start) decides when it is done.
    if (prev && !until) continue;
    const r: PlannedResource = { type, name: op.resource, title: ` ${label} ${op.resource}  ${until ? 'Waiting' : op.type === 'keep' ? 'Running' : 'Up to date'}` };
    if (until) r.until = until;
    out.set(key, r);
  }
  return [...out.values()];
}
