// The body of `tscompose build`, and the builds `up` runs before it plans (`up --build`, images
// that are missing, `pull_policy: build`). Builds run in the process the user started (for
// `up -d`: the client, before the detached supervisor exists), so progress is shown live and
// Ctrl-C cancels the builds (exit 130) before anything of the stack is touched.
import type { Project } from '../../schema/model.ts';
import { TscError, UsageError } from '../../schema/errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { loadProjectFor } from '../load-project.ts';
import { progressMode, type ProgressMode } from '../progress.ts';
import type { BuildFlags, UpBuildMode } from '../../executor/supervisor/builds.ts';
import type { BuildResult } from '../../executor/build/build.ts';
import type { BuildCliOpts } from './build.ts';

/** `--build-arg K=V` (repeatable); `K` alone takes K from the environment and is dropped when unset there (docker's rule). */
export function parseBuildArgs(list: string[] | undefined, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) {
    const i = a.indexOf('=');
    const k = i < 0 ? a : a.slice(0, i);
    if (!k) throw new UsageError(`--build-arg: expected KEY=VALUE or KEY, got "${a}"`);
    if (i >= 0) out[k] = a.slice(i + 1);
    else if (env[k] !== undefined) out[k] = env[k]!;
  }
  return out;
}

export async function runBuildCommand(g: GlobalOptions, services: string[], opts: BuildCliOpts): Promise<number> {
  const flags: BuildFlags = { args: parseBuildArgs(opts.buildArg) };
  if (opts.cache === false) flags.noCache = true;
  if (opts.pull) flags.pull = true;
  const project = await loadProjectFor(g, services.length ? { services } : {});
  const { servicesToBuild } = await import('../../executor/supervisor/builds.ts');
  const names = servicesToBuild(project, services);
  const mode: ProgressMode = opts.quiet ? 'quiet' : progressMode(opts.progress ?? g.progress);
  if (!names.length) {
    if (mode !== 'quiet') process.stderr.write(`No service to build${services.length ? ` among ${services.join(', ')}` : ''}: none has a build section\n`);
    return 0;
  }
  await executeBuilds(project, names, flags, mode);
  return 0;
}

export interface UpBuildOptions {
  /** The services `up` was given (none: all). */
  services: string[];
  /** false with --no-deps. */
  deps: boolean;
  mode: UpBuildMode;
  progress: ProgressMode;
  /** `up --dry-run`: say which images would be built (stdout, before the plan), build nothing. */
  dryRun?: boolean;
}

/** The builds `up` needs before it plans; resolves when every image it will run exists. */
export async function buildForUp(project: Project, o: UpBuildOptions): Promise<Map<string, BuildResult>> {
  if (o.mode === 'never' || !Object.values(project.services).some((s) => s.build)) return new Map();
  const { servicesToBuildForUp } = await import('../../executor/supervisor/builds.ts');
  const { servicesInScope } = await import('../../executor/supervisor/pull-images.ts');
  const { openImageStore } = await import('../../executor/image/store.ts');
  const store = openImageStore();
  const started = servicesInScope(project, o.services, o.deps);
  const names = await servicesToBuildForUp(project, started, o.mode, async (ref) => (await store.resolve(ref).catch(() => undefined)) !== undefined);
  if (!names.length) return new Map();
  if (o.dryRun) {
    const { imageRefOf } = await import('../../executor/supervisor/image-name.ts');
    for (const n of names) process.stdout.write(`build ${n}: image ${imageRefOf(project, n)} (${o.mode === 'always' ? '--build' : project.services[n]!.pull_policy === 'build' ? 'pull_policy: build' : 'missing'})\n`);
    return new Map();
  }
  return executeBuilds(project, names, {}, o.progress);
}

/** Runs the builds with progress; Ctrl-C (SIGINT/SIGTERM) cancels them and ends with exit code 130. */
export async function executeBuilds(project: Project, names: string[], flags: BuildFlags, mode: ProgressMode): Promise<Map<string, BuildResult>> {
  const { runBuilds } = await import('../../executor/supervisor/builds.ts');
  const { buildImage } = await import('../../executor/build/build.ts');
  const { openImageStore } = await import('../../executor/image/store.ts');
  const { createBuildProgress } = await import('../build-progress.ts');
  const progress = createBuildProgress(mode, process.stderr, names);
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    progress.note(`${sig}: cancelling the builds`);
    abort.abort(new TscError('INTERRUPTED', `Build interrupted by ${sig}`, { exitCode: 130 }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runBuilds({
      project, services: names, build: buildImage, store: openImageStore(), flags, signal: abort.signal,
      onEvent: (e) => progress.event(e),
      onService: (e) => progress.service(e),
      onWarning: (m) => progress.note(`WARN ${m}`),
    });
  } catch (e) {
    // A build cancelled by the user ends as interrupted, whatever error the engine saw first.
    if (abort.signal.aborted) throw abort.signal.reason;
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await progress.done();
  }
}
