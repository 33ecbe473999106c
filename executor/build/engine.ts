// The build engine behind buildImage(): parse, pick the stages the target needs, run each stage's
// steps against the cache, write the image and tag it. Stages are built on demand (FROM <stage>,
// COPY --from=<stage>: the stages a stage reads before its own steps), each once per build.
// Filesystem steps (RUN, COPY, ADD, WORKDIR) go through the cache (cache.ts); config steps only
// change the state.
//
// Progress follows BuildKit's model: per stage, FROM and the filesystem steps are numbered
// `[stage N/M]`; config-only instructions (ARG, ENV, LABEL, CMD…) make no event. The result counts
// the filesystem steps and how many of them the cache served, so a no-change rebuild is all
// cached and a cold or --no-cache build has none cached.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { BuildEvent, BuildRequest, BuildResult } from './build.ts';
import { BuildError, type BuildErrorCode } from './errors.ts';
import { parseDockerfile, flagOf, flagsOf, checkFlags, type Instr, type Parsed, type Stage } from './parse.ts';
import { applyMeta, createdBy, declareArgs, envMap, globalArgs, hashKey, MetaError, type BuildConfig, type StageState } from './state.ts';
import { processWord, WordError } from './words.ts';
import { BuildCache, FileHashes } from './cache.ts';
import { commitLayer, upperIsEmpty } from './layer.ts';
import { acquireBuildNetwork } from './run.ts';
import { SourceError } from './sources.ts';
import { makeDirIn } from './copy.ts';
import { withRootfs } from './rootfs-step.ts';
import { sweepStaleBuilds } from './sweep.ts';
import { runInstr } from './run-instr.ts';
import { copyInstr } from './copy-instr.ts';
import { displayText, userOwner, type StepHost, type StepResult } from './step-host.ts';
import { loadDockerignore, dockerPatterns, type PathMatcher } from '../watch/ignore.ts';
import { beginLease } from '../image/lease.ts';
import { chainIds } from '../image/digest.ts';
import { normalizeRef } from '../image/ref.ts';
import { writeImage } from '../image/manifest.ts';
import type { ImageConfigBlob, Manifest } from '../image/oci.ts';
import type { ImageInfo } from '../image/store.ts';
import { TscError } from '../../schema/errors.ts';

export { DEFAULT_BUILD_PROJECT, displayText } from './step-host.ts';

export async function runBuild(req: BuildRequest): Promise<BuildResult> {
  if (!req.tags.length) throw new TscError('BUILD_ARGS', `build ${req.name}: no tag to give the image`);
  const release = beginLease(req.store.root);
  const builder = new Builder(req);
  try {
    await sweepStaleBuilds(req.store.root);
    return await builder.build();
  } finally {
    await builder.releaseNetwork();
    release();
  }
}

interface StageOut { state: StageState }

class Builder implements StepHost {
  readonly req: BuildRequest;
  readonly cache: BuildCache;
  file = 'Dockerfile';
  private parsed!: Parsed;
  private globals: Record<string, string | undefined> = {};
  private readonly stages = new Map<number, Promise<StageOut>>();
  /** The number of FROM and of each filesystem step within its stage (BuildKit's `N` of `N/M`). */
  private readonly stepNo = new Map<Instr, number>();
  /** `M` of each stage: FROM + its filesystem steps. */
  private readonly stageTotal = new Map<number, number>();
  /** The stage a running filesystem step belongs to (labels its output lines). */
  private readonly stageOf = new Map<Instr, Stage>();
  /** Filesystem steps evaluated (ONBUILD ones included) and those the cache served. */
  private fsSteps = 0;
  private cached = 0;
  readonly hashes: FileHashes;
  private ignore: PathMatcher | undefined;
  readonly buildArgs: Record<string, string | null>;
  private netRelease: (() => Promise<void>) | undefined;

  constructor(req: BuildRequest) {
    this.req = req;
    this.cache = new BuildCache(req.store);
    this.hashes = new FileHashes(this.cache, req.contextDir);
    this.buildArgs = req.args ?? {};
  }

  async build(): Promise<BuildResult> {
    const req = this.req;
    let ctx;
    try { ctx = statSync(req.contextDir); } catch { ctx = undefined; }
    if (!isAbsolute(req.contextDir) || !ctx?.isDirectory()) {
      throw new BuildError('BUILD_CONTEXT', req.contextDir, 0, 'the build context is not a directory (an absolute path is expected)');
    }
    const text = this.readDockerfile();
    this.parsed = parseDockerfile(text, this.file);
    try {
      this.globals = globalArgs(this.parsed.globalArgs, this.buildArgs, this.parsed.escape);
    } catch (e) {
      throw this.err('BUILD_ARGS', this.parsed.globalArgs[0]?.line ?? 0, e instanceof Error ? e.message : String(e));
    }
    const target = this.targetStage();
    const needed = [...this.neededStages(target.index)].sort((a, b) => a - b);
    for (const i of needed) {
      const st = this.parsed.stages[i]!;
      let n = 0;
      for (const ins of [st.from, ...st.body]) if (ins === st.from || isFsStep(ins)) this.stepNo.set(ins, ++n);
      this.stageTotal.set(i, n);
    }
    const out = await this.stage(target.index);
    this.hashes.save();
    return this.finish(out.state);
  }

  get escape(): string { return this.parsed.escape; }

  output(ins: Instr, stream: 'stdout' | 'stderr', line: string): void {
    const stage = this.stageOf.get(ins);
    this.emit({ type: 'output', name: this.req.name, stage: stage ? this.stageLabel(stage) : '', step: this.stepNo.get(ins) ?? 0, stream, line });
  }

  async stageState(ref: string, before: number): Promise<StageState | undefined> {
    const s = this.stageRef(ref, before);
    return s ? (await this.stage(s.index)).state : undefined;
  }

  async useBuildNetwork(): Promise<void> {
    this.netRelease ??= await acquireBuildNetwork();
  }

  /** Lets go of the build network if a RUN of this build used it (kept between steps). */
  async releaseNetwork(): Promise<void> {
    const r = this.netRelease;
    this.netRelease = undefined;
    await r?.();
  }

  private readDockerfile(): string {
    const req = this.req;
    if (req.dockerfileInline !== undefined) { this.file = 'Dockerfile (inline)'; return req.dockerfileInline; }
    const df = req.dockerfile ?? 'Dockerfile';
    const abs = isAbsolute(df) ? df : join(req.contextDir, df);
    // Errors name the Dockerfile as the user knows it: relative to the context when inside it.
    const rel = relative(req.contextDir, abs);
    this.file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
    try {
      return readFileSync(abs, 'utf8');
    } catch (e) {
      throw new BuildError('BUILD_CONTEXT', this.file, 0, `cannot read the Dockerfile ${abs}: ${(e as NodeJS.ErrnoException).code ?? e}`, { cause: e });
    }
  }

  ignoreMatcher(): PathMatcher | undefined {
    if (this.ignore === undefined) {
      const df = this.req.dockerfile ?? 'Dockerfile';
      const rel = isAbsolute(df) ? relative(this.req.contextDir, df) : df;
      const patterns = loadDockerignore(this.req.contextDir, rel.startsWith('..') ? 'Dockerfile' : rel);
      this.ignore = dockerPatterns(patterns, '.dockerignore');
    }
    return this.ignore;
  }

  err(code: BuildErrorCode, line: number, message: string, opts: { step?: string; hint?: string; cause?: unknown } = {}): BuildError {
    return new BuildError(code, this.file, line, message, opts);
  }

  private emit(e: BuildEvent): void {
    try { this.req.onEvent?.(e); } catch { /* a progress renderer never breaks a build */ }
  }

  /** BuildKit's stage label: its name, `stage-N` when unnamed in a multi-stage file, '' for a lone unnamed stage. */
  private stageLabel(stage: Stage): string {
    return stage.name ?? (this.parsed.stages.length > 1 ? `stage-${stage.index}` : '');
  }

  private stepEvent(ins: Instr, stage: Stage, state: 'running' | 'cached' | 'done' | 'failed', durationMs?: number, text = displayText(ins)): void {
    this.emit({
      type: 'step', name: this.req.name, stage: this.stageLabel(stage), step: this.stepNo.get(ins) ?? 0, total: this.stageTotal.get(stage.index) ?? 0,
      text, line: ins.line, state, ...(durationMs !== undefined ? { durationMs } : {}),
    });
  }

  private targetStage(): Stage {
    const stages = this.parsed.stages;
    if (this.req.target === undefined) return stages[stages.length - 1]!;
    const t = this.req.target.toLowerCase();
    const s = stages.find((x) => x.name === t);
    if (!s) throw this.err('BUILD_TARGET', 0, `target stage "${this.req.target}" could not be found`, { hint: `stages: ${stages.map((x) => x.name ?? x.index).join(', ')}` });
    return s;
  }

  /** A stage named by `ref` (name or index) defined before `before`. */
  private stageRef(ref: string, before: number): Stage | undefined {
    const r = ref.toLowerCase();
    const byName = this.parsed.stages.find((s) => s.name === r && s.index < before);
    if (byName) return byName;
    if (/^\d+$/.test(r) && Number(r) < before) return this.parsed.stages[Number(r)];
    return undefined;
  }

  private fromText(stage: Stage): string {
    const w = stage.from.args.split(/\s+/)[0] ?? '';
    try {
      return processWord(w, (n) => this.globals[n], { escape: this.parsed.escape });
    } catch (e) {
      throw this.err('BUILD_FROM', stage.from.line, e instanceof Error ? e.message : String(e), { step: displayText(stage.from) });
    }
  }

  /** FROM as BuildKit shows it: args expanded, an image by its full reference, a stage by its name. */
  private fromDisplay(stage: Stage, dep: Stage | undefined): string {
    const platform = flagOf(stage.from, 'platform');
    const flag = platform !== undefined ? `--platform=${safeWord(platform, this.globals, this.parsed.escape)} ` : '';
    let ref: string;
    try { ref = this.fromText(stage); } catch { return displayText(stage.from); }
    if (dep) ref = dep.name ?? `stage-${dep.index}`;
    else if (ref.toLowerCase() !== 'scratch') {
      const extra = this.req.additionalContexts?.[ref];
      const name = extra && 'image' in extra ? extra.image : ref;
      try { ref = normalizeRef(name); } catch { ref = name; }
    }
    return `FROM ${flag}${ref}`;
  }

  private neededStages(i: number, seen = new Set<number>()): Set<number> {
    if (seen.has(i)) return seen;
    seen.add(i);
    const st = this.parsed.stages[i]!;
    const dep = this.stageRef(this.fromText(st), i);
    if (dep) this.neededStages(dep.index, seen);
    for (const s of this.bodyDeps(st)) this.neededStages(s.index, seen);
    return seen;
  }

  /** Stages the steps of `st` read (`COPY --from`, `RUN --mount=from=`), as far as the global args name them. */
  private bodyDeps(st: Stage): Stage[] {
    const out: Stage[] = [];
    for (const ins of st.body) {
      const from = ins.keyword === 'COPY' || ins.keyword === 'ADD' ? flagOf(ins, 'from') : undefined;
      const mountFroms = ins.keyword === 'RUN' ? flagsOf(ins, 'mount').map((m) => /(?:^|,)from=([^,]+)/.exec(m)?.[1]).filter((x): x is string => !!x) : [];
      for (const f of [from, ...mountFroms]) {
        if (f === undefined) continue;
        const s = this.stageRef(safeWord(f, this.globals, this.parsed.escape), st.index);
        if (s) out.push(s);
      }
    }
    return out;
  }

  private stage(i: number): Promise<StageOut> {
    let p = this.stages.get(i);
    if (!p) {
      p = this.buildStage(this.parsed.stages[i]!);
      this.stages.set(i, p);
    }
    return p;
  }

  private checkAbort(): void {
    if (this.req.signal?.aborted) throw new BuildError('BUILD_ABORTED', this.file, 0, `build of ${this.req.name} aborted`);
  }

  private async buildStage(stage: Stage): Promise<StageOut> {
    this.checkAbort();
    // The stages this one reads are built first, so each stage's steps are reported together
    // (a COPY --from does not wait with its line open while another stage runs). One named only
    // through a stage-local ARG is still built on demand by its step.
    for (const s of this.bodyDeps(stage)) await this.stage(s.index);
    const dep = this.stageRef(this.fromText(stage), stage.index);
    const depState = dep ? (await this.stage(dep.index)).state : undefined;
    const t0 = Date.now();
    const fromText = this.fromDisplay(stage, dep);
    this.stepEvent(stage.from, stage, 'running', undefined, fromText);
    let st: StageState;
    let triggers: string[] = [];
    try {
      checkFlags(stage.from, this.file, ['platform']);
      const platform = flagOf(stage.from, 'platform');
      if (platform !== undefined) {
        const p = safeWord(platform, this.globals, this.parsed.escape);
        if (p !== 'linux/amd64' && p !== 'linux/x86_64') {
          throw this.err('BUILD_UNSUPPORTED', stage.from.line, `FROM --platform=${p}: only linux/amd64 images are built here`, { step: displayText(stage.from) });
        }
      }
      const ref = this.fromText(stage);
      if (depState) {
        st = { ...depState, args: {}, cmdSet: false };
      } else if (ref.toLowerCase() === 'scratch') {
        st = { key: hashKey('scratch'), diffIds: [], layers: [], config: {}, history: [], created: new Date(0).toISOString(), args: {} };
      } else {
        st = await this.imageState(ref, stage.from);
        triggers = st.config.OnBuild ?? [];
        // Triggers run once, in the image built FROM this one; they are not inherited.
        if (triggers.length) st = { ...st, config: { ...st.config, OnBuild: null } };
      }
    } catch (e) {
      this.stepEvent(stage.from, stage, 'failed', undefined, fromText);
      throw e;
    }
    this.stepEvent(stage.from, stage, 'done', Date.now() - t0, fromText);
    for (const trig of triggers) {
      const ins = parseDockerfile(`FROM scratch\n${trig}\n`, this.file).stages[0]!.body[0]!;
      ins.line = stage.from.line;
      ins.text = `ONBUILD ${displayText(ins)}`;
      // A trigger is known only once the base is resolved, after the stage's steps were counted:
      // it is reported under the FROM's number.
      this.stepNo.set(ins, this.stepNo.get(stage.from) ?? 0);
      st = await this.step(ins, st, stage);
    }
    for (const ins of stage.body) st = await this.step(ins, st, stage);
    return { state: st };
  }

  async imageState(ref: string, from: Instr): Promise<StageState> {
    const info = await this.resolveImage(ref, from);
    const store = this.req.store;
    const manifest = store.blobs.readJson<Manifest>(info.digest);
    const cfg = store.blobs.readJson<ImageConfigBlob>(manifest.config.digest);
    return {
      key: hashKey('image', info.digest),
      diffIds: cfg.rootfs.diff_ids, layers: manifest.layers, config: (cfg.config ?? {}) as BuildConfig,
      history: cfg.history ?? [], created: cfg.created ?? new Date(0).toISOString(), args: {},
    };
  }

  private async resolveImage(ref: string, from: Instr): Promise<ImageInfo> {
    const extra = this.req.additionalContexts?.[ref];
    const name = extra && 'image' in extra ? extra.image : ref;
    try {
      return await this.req.store.ensure(name, this.req.pull ? 'always' : 'missing', this.req.signal ? { signal: this.req.signal } : {});
    } catch (e) {
      throw this.err('BUILD_FROM', from.line, `${displayText(from)}: ${e instanceof Error ? e.message : String(e)}`, { step: displayText(from), cause: e });
    }
  }

  private async step(ins: Instr, st: StageState, stage: Stage): Promise<StageState> {
    this.checkAbort();
    const t0 = Date.now();
    // Config-only instructions are applied silently (BuildKit lists no vertex for them); their
    // errors still name their Dockerfile line.
    const fs = isFsStep(ins);
    if (fs) {
      this.stageOf.set(ins, stage);
      this.stepEvent(ins, stage, 'running');
    }
    try {
      const r = await this.evalStep(ins, st, stage);
      if (fs) {
        this.fsSteps++;
        if (r.cached) this.cached++;
        this.stepEvent(ins, stage, r.cached ? 'cached' : 'done', Date.now() - t0);
      }
      return r.state;
    } catch (e) {
      if (fs) this.stepEvent(ins, stage, 'failed', Date.now() - t0);
      if (e instanceof BuildError) throw e;
      if (e instanceof MetaError || e instanceof WordError) throw this.err('BUILD_SYNTAX', ins.line, `${ins.keyword}: ${e.message}`, { step: displayText(ins) });
      if (e instanceof SourceError) throw this.err('BUILD_COPY', ins.line, `${displayText(ins)}: ${e.message}`, { step: displayText(ins) });
      if (this.req.signal?.aborted) throw new BuildError('BUILD_ABORTED', this.file, ins.line, `build of ${this.req.name} aborted at ${displayText(ins)}`, { cause: e });
      const code: BuildErrorCode = ins.keyword === 'RUN' ? 'BUILD_RUN' : ins.keyword === 'COPY' || ins.keyword === 'ADD' ? 'BUILD_COPY' : 'BUILD_LAYER';
      throw this.err(code, ins.line, `${displayText(ins)}: ${e instanceof Error ? e.message : String(e)}`, { step: displayText(ins), cause: e });
    }
  }

  private async evalStep(ins: Instr, st: StageState, stage: Stage): Promise<StepResult> {
    const esc = this.parsed.escape;
    switch (ins.keyword) {
      case 'ARG': {
        const args = { ...st.args };
        declareArgs(args, ins.args, this.buildArgs, this.globals, esc, envMap(st.config));
        return { state: { ...st, args } };
      }
      case 'RUN': return runInstr(this, ins, st);
      case 'COPY': case 'ADD': return copyInstr(this, ins, st, stage.index);
      case 'WORKDIR': {
        // As BuildKit: the dir is made (a layer only when it was missing), so the image has it
        // even when no RUN or COPY follows.
        checkFlags(ins, this.file, []);
        const cfg = applyMeta(ins, st, esc)!;
        const dir = cfg.WorkingDir ?? '/';
        // Made as the stage's USER when one is set (BuildKit), else root.
        const user = st.config.User;
        const r = await this.cachedStep(st, { op: 'WORKDIR', dir, user }, createdBy(ins),
          (layerDirs) => withRootfs(this.req.store, layerDirs, async (merged) => {
            makeDirIn(merged, dir, user ? userOwner(user, merged) : undefined);
          }));
        return { ...r, state: { ...r.state, config: { ...r.state.config, WorkingDir: dir } } };
      }
      default: {
        checkFlags(ins, this.file, ins.keyword === 'HEALTHCHECK' ? ['interval', 'timeout', 'start-period', 'start-interval', 'retries'] : []);
        const cfg = applyMeta(ins, st, esc);
        if (!cfg) throw this.err('BUILD_SYNTAX', ins.line, `unknown instruction "${ins.keyword}"`);
        // ENTRYPOINT resets only an inherited CMD; one set earlier in this stage stays (BuildKit's rule).
        if (ins.keyword === 'ENTRYPOINT' && st.cmdSet) cfg.Cmd = st.config.Cmd ?? null;
        const cmdSet = st.cmdSet || ins.keyword === 'CMD';
        const history = [...st.history, { created: st.created, created_by: createdBy(ins), empty_layer: true }];
        return { state: { ...st, config: cfg, history, key: hashKey(st.key, ins.keyword, JSON.stringify(cfg)), ...(cmdSet ? { cmdSet } : {}) } };
      }
    }
  }

  /** A filesystem step through the cache: one computation per key, even across concurrent builds. */
  async cachedStep(st: StageState, descriptor: unknown, history: string,
    exec: (layerDirs: string[]) => Promise<{ upperDir: string; dispose(): Promise<void> }>): Promise<StepResult> {
    const key = hashKey(st.key, JSON.stringify(descriptor));
    const hit = () => {
      if (this.req.noCache) return undefined;
      const c = this.cache.get(key);
      return c ? { state: { ...c, args: st.args, ...(st.cmdSet ? { cmdSet: true } : {}) }, cached: true } : undefined;
    };
    const first = hit();
    if (first) return first;
    return this.cache.withLock(key, async () => {
      const again = hit();
      if (again) return again;
      const layerDirs = await this.layerDirs(st);
      const r = await exec(layerDirs);
      let next: StageState;
      try {
        const created = new Date().toISOString();
        if (upperIsEmpty(r.upperDir)) {
          next = { ...st, key, created, history: [...st.history, { created, created_by: history, empty_layer: true }] };
        } else {
          const { desc, diffId } = await commitLayer(this.req.store, r.upperDir);
          next = {
            ...st, key, created, diffIds: [...st.diffIds, diffId], layers: [...st.layers, desc],
            history: [...st.history, { created, created_by: history }],
          };
        }
      } finally {
        await r.dispose();
      }
      this.cache.put(key, next);
      return { state: next };
    });
  }

  layerDirs(st: StageState): Promise<string[]> {
    const store = this.req.store;
    const chains = chainIds(st.diffIds);
    return Promise.all(chains.map((c, i) => store.layers.ensure(c, st.diffIds[i]!, store.blobs.path(st.layers[i]!.digest))));
  }

  private async finish(st: StageState): Promise<BuildResult> {
    const store = this.req.store;
    const config: BuildConfig = { ...st.config };
    if (this.req.labels && Object.keys(this.req.labels).length) config.Labels = { ...(config.Labels ?? {}), ...this.req.labels };
    if (!config.OnBuild?.length) delete config.OnBuild;
    const blob: ImageConfigBlob = {
      created: st.created, architecture: 'amd64', os: 'linux', config,
      rootfs: { type: 'layers', diff_ids: st.diffIds }, history: st.history,
    };
    const { manifestDigest } = writeImage(store, blob, st.layers);
    const refs = this.req.tags.map((t) => {
      try { return normalizeRef(t); } catch (e) {
        throw new BuildError('BUILD_ARGS', this.file, 0, `invalid tag ${JSON.stringify(t)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    await store.refs.update((all) => {
      for (const r of refs) all[r] = { digest: manifestDigest, created: new Date().toISOString() };
    });
    const image = await store.imageOf(manifestDigest, refs[0]!);
    return { image, refs, steps: this.fsSteps, cached: this.cached };
  }
}

/** The instructions that change the filesystem: numbered, timed and cached (WORKDIR makes its dir). */
function isFsStep(ins: Instr): boolean {
  return ins.keyword === 'RUN' || ins.keyword === 'COPY' || ins.keyword === 'ADD' || ins.keyword === 'WORKDIR';
}

function safeWord(w: string, globals: Record<string, string | undefined>, esc: string): string {
  try { return processWord(w, (n) => globals[n], { escape: esc }); } catch { return w; }
}
