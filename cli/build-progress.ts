// Progress of image builds (`tscompose build`, `up --build`). `plain` (CI, no TTY) prints one line
// per step event and every output line of a RUN as it comes, never repainting (PAIN-POINTS.md #5):
//   [web 3/5] RUN npm ci
//   [web 3/5] | added 120 packages
//   [web 3/5] DONE 4.2s          ([web builder 2/4] CACHED COPY package.json ./)
// Numbering is BuildKit's, per stage: FROM and the filesystem steps (executor/build/build.ts).
// `tty` shows one listr2 task per service, titled with its current step, with its last output
// lines under it; `json` prints the engine's events as JSON lines; `quiet` nothing. A failed RUN's
// last output lines are part of the engine's BuildError, which the CLI prints after the progress.
import type { BuildEvent, BuildResult } from '../executor/build/build.ts';
import { listrNoteDone, openSlot, runListr, type ListrSlot, type ProgressMode } from './progress.ts';
import { familiar } from '../executor/image/ref.ts';

export interface BuildProgress {
  event(e: BuildEvent): void;
  service(e: { service: string; state: 'start' | 'done' | 'failed'; result?: BuildResult; error?: unknown; ms: number }): void;
  note(line: string): void;
  /** Final render. Await it before printing anything else. */
  done(): Promise<void>;
}

type StepEvent = Extract<BuildEvent, { type: 'step' }>;

/**
 * `[web 3/7]` for a lone unnamed stage (or one named like the service), else `[web builder 3/7]`
 * / `[web stage-1 3/7]`: numbers restart per stage, so the stage tells the steps apart.
 */
export function stepLabel(e: { name: string; stage?: string; step: number; total: number }): string {
  const stage = e.stage && e.stage !== e.name ? ` ${e.stage}` : '';
  return `[${e.name}${stage} ${e.step}/${e.total}]`;
}

export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The plain line of a step event (undefined: nothing to print for it). */
export function stepLine(e: StepEvent, announced: boolean): string | undefined {
  const label = stepLabel(e);
  switch (e.state) {
    case 'running': return `${label} ${e.text}`;
    case 'cached': return announced ? `${label} CACHED` : `${label} CACHED ${e.text}`;
    case 'done': return `${label} DONE${e.durationMs !== undefined ? ` ${secs(e.durationMs)}` : ''}`;
    case 'failed': return `${label} ERROR ${e.text}${e.line > 0 ? ` (line ${e.line})` : ''}`;
  }
}

/** One summary line per finished service. */
export function serviceLine(service: string, r: BuildResult | undefined, ms: number, failed: boolean): string {
  if (failed || !r) return `✘ ${service} build failed after ${secs(ms)}`;
  const ref = familiar(r.refs[0] ?? r.image.ref);
  return `✔ ${service} built in ${secs(ms)} (${r.steps} step${r.steps === 1 ? '' : 's'}, ${r.cached} cached) → ${ref}`;
}

export function createBuildProgress(mode: ProgressMode, out: NodeJS.WritableStream = process.stderr, services: string[] = []): BuildProgress {
  if (mode === 'tty' && services.length) return listrBuildProgress(out, services);
  if (mode === 'quiet') return { event() {}, service() {}, note() {}, async done() {} };
  if (mode === 'json') {
    return {
      event(e) { out.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n'); },
      service(e) {
        const r = e.result;
        out.write(JSON.stringify({ time: new Date().toISOString(), type: 'service', name: e.service, state: e.state, ms: e.ms,
          ...(r ? { image: r.image.id, refs: r.refs, steps: r.steps, cached: r.cached } : {}),
          ...(e.error ? { error: e.error instanceof Error ? e.error.message : String(e.error) } : {}) }) + '\n');
      },
      note(line) { out.write(JSON.stringify({ time: new Date().toISOString(), type: 'info', detail: line }) + '\n'); },
      async done() {},
    };
  }
  // plain (and tty without a known service list). Output events carry no total: they
  // are labelled like their step's last event.
  const announced = new Set<string>();
  const labels = new Map<string, string>();
  return {
    event(e) {
      const key = `${e.name}\0${e.stage}\0${e.step}`;
      if (e.type === 'output') { out.write(`${labels.get(key) ?? `[${e.name} ${e.step}]`} | ${e.line}\n`); return; }
      labels.set(key, stepLabel(e));
      const line = stepLine(e, announced.has(key));
      announced.add(key);
      if (line) out.write(line + '\n');
    },
    service(e) { if (e.state !== 'start') out.write(serviceLine(e.service, e.result, e.ms, e.state === 'failed') + '\n'); },
    note(line) { out.write(line + '\n'); },
    async done() {},
  };
}

/** listr2: one task per service, its title the current step, its output bar the step's last lines. */
function listrBuildProgress(out: NodeJS.WritableStream, services: string[]): BuildProgress {
  const slots = new Map<string, ListrSlot>();
  let listr: Promise<unknown> | undefined;
  const start = (async () => {
    const listr2 = await import('listr2');
    const tasks = services.map((name) => {
      const slot = openSlot(`${name}  Waiting`);
      slots.set(name, slot);
      return {
        title: slot.title,
        task: slot.run,
        rendererOptions: { outputBar: 4, persistentOutput: false },
      };
    });
    listr = runListr(listr2, out, tasks);
  })();
  const withSlot = (name: string, f: (s: ListrSlot) => void) => {
    void start.then(() => { const s = slots.get(name); if (s && !s.settled) f(s); });
  };
  const setTitle = (s: ListrSlot, t: string) => { s.title = t; if (s.task) s.task.title = t; };
  return {
    event(e) {
      if (e.type === 'output') {
        withSlot(e.name, (s) => { if (s.task) s.task.output = e.line; });
        return;
      }
      withSlot(e.name, (s) => setTitle(s, `${e.name}  ${stepLabel(e).replace(`[${e.name} `, '[')} ${e.state === 'cached' ? 'CACHED ' : e.state === 'failed' ? 'ERROR ' : ''}${e.text}`));
    },
    service(e) {
      if (e.state === 'start') { withSlot(e.service, (s) => setTitle(s, `${e.service}  Building`)); return; }
      withSlot(e.service, (s) => {
        setTitle(s, serviceLine(e.service, e.result, e.ms, e.state === 'failed').replace(/^[✔✘] /, ''));
        s.settled = true;
        // listr2 shows a failed task's error message as its title.
        s.settle(e.state === 'failed' ? new Error(`${e.service}  ${e.error instanceof Error ? e.error.message : 'build failed'}`) : undefined);
      });
    },
    ...listrNoteDone(out, start, slots, () => listr),
  };
}
