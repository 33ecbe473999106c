// The image build API (docs/contracts.md "executor/build/"): a Dockerfile + build context become
// an image in our store. Every RUN runs in a real container of our runtime; each step that
// changes files becomes one tar layer (the step's overlay upper dir, whiteouts converted).
import type { ImageInfo, ImageStore } from '../image/store.ts';

export { BuildError } from './errors.ts';

export interface BuildRequest {
  /** Label for progress and errors (the service name). */
  name: string;
  /** Absolute. */
  contextDir: string;
  /** Relative to contextDir or absolute; default 'Dockerfile'. */
  dockerfile?: string;
  /** Wins over dockerfile. */
  dockerfileInline?: string;
  /** Build args (null = declared without value: take the ARG default). */
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Re-pull FROM images even if present. */
  pull?: boolean;
  /** The caller resolves `service:` to an image ref. */
  additionalContexts?: Record<string, { dir: string } | { image: string }>;
  /** Refs to tag the result with (≥ 1; the first is the primary). */
  tags: string[];
  /** Bytes. */
  shmSize?: number;
  network?: 'default' | 'none' | 'host';
  /** "host:ip". */
  extraHosts?: string[];
  store: ImageStore;
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
  /** Additive: the cgroup parent of RUN containers is `tscompose/<project>/` (default `build.tscompose`). */
  project?: string;
}

export type BuildEvent =
  | { type: 'step'; name: string; stage: string; step: number; total: number; text: string /* "RUN npm ci" */;
      line: number; state: 'running' | 'cached' | 'done' | 'failed'; durationMs?: number }
  | { type: 'output'; name: string; stage: string; step: number; stream: 'stdout' | 'stderr'; line: string };

// Step events follow BuildKit: `step`/`total` count FROM and the filesystem steps (RUN, COPY, ADD,
// WORKDIR) of the event's stage; config-only instructions make no event. `stage` is the stage's
// name, `stage-N` for an unnamed stage of a multi-stage file, '' for a lone unnamed stage. A FROM's
// text is resolved (`FROM docker.io/library/busybox:latest`, `FROM builder`).

/** `steps`: filesystem steps run or reused (FROM not counted); `cached`: those the cache served. */
export interface BuildResult { image: ImageInfo; refs: string[]; steps: number; cached: number }

export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const { runBuild } = await import('./engine.ts');
  return runBuild(req);
}
