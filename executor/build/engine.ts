// The build engine behind buildImage(): parse, pick the stages the target needs, run each stage's
// steps against the cache, write the image and tag it. Stages are built on demand (FROM <stage>,
// COPY --from=<stage>), each once per build. Filesystem steps (RUN, COPY, ADD) go through the
// cache (cache.ts); config steps only change the state.
import { readFileSync, mkdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BuildEvent, BuildRequest, BuildResult } from './build.ts';
import { BuildError, type BuildErrorCode } from './errors.ts';
import { parseDockerfile, flagOf, flagsOf, checkFlags, type Instr, type Parsed, type Stage } from './parse.ts';
import {
  applyMeta, commandOf, createdBy, declareArgs, envMap, globalArgs, hashKey, MetaError, runEnv, stageVars,
  type BuildConfig, type StageState,
} from './state.ts';
import { processWord, processWords, WordError } from './words.ts';
import { BuildCache, FileHashes } from './cache.ts';
import { commitLayer, upperIsEmpty } from './layer.ts';
import { acquireBuildNetwork, runStep } from './run.ts';
import { collectSources, cleanSource, resolveInRoot, sourcesDigest, SourceError, type SourceItem } from './sources.ts';
import { copyInto, isDirIn, makeDirIn, parseChmod, type CopyOwner } from './copy.ts';
import { parseRunMount, type RunMount } from './mounts.ts';
import { withRootfs } from './rootfs-step.ts';
import { sweepStaleBuilds } from './sweep.ts';
import { loadDockerignore, dockerPatterns, type PathMatcher } from '../watch/ignore.ts';
import { beginLease } from '../image/lease.ts';
import { chainIds } from '../image/digest.ts';
import { normalizeRef } from '../image/ref.ts';
import { writeImage } from '../image/manifest.ts';
import type { ImageConfigBlob, Manifest } from '../image/oci.ts';
import type { ImageInfo } from '../image/store.ts';
import { readContainerEtc } from '../runtime/etc-files.ts';
import { resolveUser } from '../runtime/user.ts';
import { TscError } from '../../schema/errors.ts';

/** cgroup parent of RUN containers when the request names no project (a '.' no compose project name has). */
export const DEFAULT_BUILD_PROJECT = 'build.tscompose';
/** Where a `RUN <<EOF` script with a shebang is mounted for its step. */
const RUN_SCRIPT = '/.tscompose-run-script';

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

class Builder {
  private readonly req: BuildRequest;
  private readonly cache: BuildCache;
  private file = 'Dockerfile';
  private parsed!: Parsed;
  private globals: Record<string, string | undefined> = {};
  private readonly stages = new Map<number, Promise<StageOut>>();
  private readonly stepNo = new Map<Instr, number>();
  private total = 0;
  private cached = 0;
  private hashes: FileHashes;
  private ignore: PathMatcher | undefined;
  private readonly buildArgs: Record<string, string | null>;
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
      for (const ins of [st.from, ...st.body]) this.stepNo.set(ins, ++this.total);
    }
    const out = await this.stage(target.index);
    this.hashes.save();
    return this.finish(out.state);
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

  private ignoreMatcher(): PathMatcher | undefined {
    if (this.ignore === undefined) {
      const df = this.req.dockerfile ?? 'Dockerfile';
      const rel = isAbsolute(df) ? relative(this.req.contextDir, df) : df;
      const patterns = loadDockerignore(this.req.contextDir, rel.startsWith('..') ? 'Dockerfile' : rel);
      this.ignore = dockerPatterns(patterns, '.dockerignore');
    }
    return this.ignore;
  }

  private err(code: BuildErrorCode, line: number, message: string, opts: { step?: string; hint?: string; cause?: unknown } = {}): BuildError {
    return new BuildError(code, this.file, line, message, opts);
  }

  private emit(e: BuildEvent): void {
    try { this.req.onEvent?.(e); } catch { /* a progress renderer never breaks a build */ }
  }

  private stepEvent(ins: Instr, stage: Stage, state: 'running' | 'cached' | 'done' | 'failed', durationMs?: number): void {
    this.emit({
      type: 'step', name: this.req.name, stage: stage.name ?? String(stage.index), step: this.stepNo.get(ins) ?? 0, total: this.total,
      text: displayText(ins), line: ins.line, state, ...(durationMs !== undefined ? { durationMs } : {}),
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

  private neededStages(i: number, seen = new Set<number>()): Set<number> {
    if (seen.has(i)) return seen;
    seen.add(i);
    const st = this.parsed.stages[i]!;
    const dep = this.stageRef(this.fromText(st), i);
    if (dep) this.neededStages(dep.index, seen);
    for (const ins of st.body) {
      const from = ins.keyword === 'COPY' || ins.keyword === 'ADD' ? flagOf(ins, 'from') : undefined;
      const mountFroms = ins.keyword === 'RUN' ? flagsOf(ins, 'mount').map((m) => /(?:^|,)from=([^,]+)/.exec(m)?.[1]).filter((x): x is string => !!x) : [];
      for (const f of [from, ...mountFroms]) {
        if (f === undefined) continue;
        const s = this.stageRef(safeWord(f, this.globals, this.parsed.escape), i);
        if (s) this.neededStages(s.index, seen);
      }
    }
    return seen;
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
    const t0 = Date.now();
    this.stepEvent(stage.from, stage, 'running');
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
      const dep = this.stageRef(ref, stage.index);
      if (dep) {
        const base = (await this.stage(dep.index)).state;
        st = { ...base, args: {}, cmdSet: false };
      } else if (ref.toLowerCase() === 'scratch') {
        st = { key: hashKey('scratch'), diffIds: [], layers: [], config: {}, history: [], created: new Date(0).toISOString(), args: {} };
      } else {
        st = await this.imageState(ref, stage.from);
        triggers = st.config.OnBuild ?? [];
        // Triggers run once, in the image built FROM this one; they are not inherited.
        if (triggers.length) st = { ...st, config: { ...st.config, OnBuild: null } };
      }
    } catch (e) {
      this.stepEvent(stage.from, stage, 'failed');
      throw e;
    }
    this.stepEvent(stage.from, stage, 'done', Date.now() - t0);
    for (const trig of triggers) {
      const ins = parseDockerfile(`FROM scratch\n${trig}\n`, this.file).stages[0]!.body[0]!;
      ins.line = stage.from.line;
      ins.text = `ONBUILD ${displayText(ins)}`;
      this.stepNo.set(ins, this.stepNo.get(stage.from) ?? 0);
      st = await this.step(ins, st, stage);
    }
    for (const ins of stage.body) st = await this.step(ins, st, stage);
    return { state: st };
  }

  private async imageState(ref: string, from: Instr): Promise<StageState> {
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
    this.stepEvent(ins, stage, 'running');
    try {
      const r = await this.evalStep(ins, st, stage);
      this.stepEvent(ins, stage, r.cached ? 'cached' : 'done', Date.now() - t0);
      if (r.cached) this.cached++;
      return r.state;
    } catch (e) {
      this.stepEvent(ins, stage, 'failed', Date.now() - t0);
      if (e instanceof BuildError) throw e;
      if (e instanceof MetaError || e instanceof WordError) throw this.err('BUILD_SYNTAX', ins.line, `${ins.keyword}: ${e.message}`, { step: displayText(ins) });
      if (e instanceof SourceError) throw this.err('BUILD_COPY', ins.line, `${displayText(ins)}: ${e.message}`, { step: displayText(ins) });
      if (this.req.signal?.aborted) throw new BuildError('BUILD_ABORTED', this.file, ins.line, `build of ${this.req.name} aborted at ${displayText(ins)}`, { cause: e });
      const code: BuildErrorCode = ins.keyword === 'RUN' ? 'BUILD_RUN' : ins.keyword === 'COPY' || ins.keyword === 'ADD' ? 'BUILD_COPY' : 'BUILD_LAYER';
      throw this.err(code, ins.line, `${displayText(ins)}: ${e instanceof Error ? e.message : String(e)}`, { step: displayText(ins), cause: e });
    }
  }

  private async evalStep(ins: Instr, st: StageState, stage: Stage): Promise<{ state: StageState; cached?: boolean }> {
    const esc = this.parsed.escape;
    switch (ins.keyword) {
      case 'ARG': {
        const args = { ...st.args };
        declareArgs(args, ins.args, this.buildArgs, this.globals, esc, envMap(st.config));
        return { state: { ...st, args }, cached: !st.ranHere };
      }
      case 'RUN': return this.runInstr(ins, st);
      case 'COPY': case 'ADD': return this.copyInstr(ins, st, stage);
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
        // Reported as cached unless a step before it in the chain ran in this build.
        return { state: { ...st, config: cfg, history, key: hashKey(st.key, ins.keyword, JSON.stringify(cfg)), ...(cmdSet ? { cmdSet } : {}) }, cached: !st.ranHere };
      }
    }
  }

  /** A filesystem step through the cache: one computation per key, even across concurrent builds. */
  private async cachedStep(st: StageState, descriptor: unknown, history: string,
    exec: (layerDirs: string[]) => Promise<{ upperDir: string; dispose(): Promise<void> }>): Promise<{ state: StageState; cached?: boolean }> {
    const key = hashKey(st.key, JSON.stringify(descriptor));
    const hit = () => {
      if (this.req.noCache) return undefined;
      const c = this.cache.get(key);
      return c ? { state: { ...c, args: st.args, ...(st.ranHere ? { ranHere: true } : {}), ...(st.cmdSet ? { cmdSet: true } : {}) }, cached: true } : undefined;
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
      return { state: { ...next, ranHere: true } };
    });
  }

  private layerDirs(st: StageState): Promise<string[]> {
    const store = this.req.store;
    const chains = chainIds(st.diffIds);
    return Promise.all(chains.map((c, i) => store.layers.ensure(c, st.diffIds[i]!, store.blobs.path(st.layers[i]!.digest))));
  }

  private async runInstr(ins: Instr, st: StageState): Promise<{ state: StageState; cached?: boolean }> {
    checkFlags(ins, this.file, ['mount', 'network', 'security']);
    if (flagOf(ins, 'security') !== undefined && flagOf(ins, 'security') !== 'sandbox') {
      throw this.err('BUILD_UNSUPPORTED', ins.line, `RUN --security=${flagOf(ins, 'security')} is not supported`, { step: displayText(ins) });
    }
    const netFlag = flagOf(ins, 'network');
    if (netFlag !== undefined && !['default', 'none', 'host'].includes(netFlag)) throw this.err('BUILD_SYNTAX', ins.line, `RUN --network=${netFlag}: expected default, none or host`);
    const network = (netFlag ?? this.req.network ?? 'default') as 'default' | 'none' | 'host';
    const mounts: RunMount[] = [];
    for (const m of flagsOf(ins, 'mount')) {
      try { mounts.push(parseRunMount(m, st.config.WorkingDir)); } catch (e) {
        throw this.err('BUILD_UNSUPPORTED', ins.line, `RUN --mount=${m}: ${e instanceof Error ? e.message : String(e)}`, { step: displayText(ins) });
      }
    }
    // Bind mounts of the context: resolved inside it (never through a symlink out), keyed by content.
    const binds: { source: string; target: string; readOnly?: boolean; file?: boolean }[] = [];
    const mountKeys: unknown[] = [];
    for (const m of mounts) {
      if (m.type === 'cache') {
        binds.push({ source: this.cache.mountDir(m.id), target: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
        mountKeys.push({ cache: m.id, target: m.target });
      } else if (m.type === 'bind') {
        const rel = cleanSource(m.source);
        const abs = resolveInRoot(this.req.contextDir, rel);
        if (!abs || (rel !== '' && this.ignoreMatcher()?.matches(rel))) {
          throw this.err('BUILD_RUN', ins.line, `RUN --mount source "${m.source}" is not in the build context`, { step: displayText(ins) });
        }
        const items = collectSources(this.req.contextDir, [m.source], '/', true, this.ignoreMatcher());
        const isFile = items[0]?.kind === 'file';
        binds.push({ source: abs, target: m.target, readOnly: true, ...(isFile ? { file: true } : {}) });
        mountKeys.push({ bind: sourcesDigest(items, this.hashes.hash), target: m.target });
      } else {
        mountKeys.push({ tmpfs: m.target, size: m.size });
      }
    }
    const tmpfs = mounts.filter((m): m is Extract<RunMount, { type: 'tmpfs' }> => m.type === 'tmpfs').map((m) => ({ target: m.target, ...(m.size ? { size: m.size } : {}) }));
    const locked = mounts.filter((m): m is Extract<RunMount, { type: 'cache' }> => m.type === 'cache' && m.sharing === 'locked').map((m) => this.cache.mountDir(m.id));
    const shell = st.config.Shell;
    let argv: string[];
    let script: string | undefined;
    if (ins.heredocs.length && /^(<<-?["']?[A-Za-z_][A-Za-z0-9_.-]*["']?\s*)+$/.test(ins.args)) {
      const body = ins.heredocs.map((h) => h.body).join('');
      if (body.startsWith('#!')) {
        // A script with its own interpreter (`#!/usr/bin/env python3`) is run as a file, as
        // BuildKit does: bind-mounted read-only for the step, so it never lands in the layer.
        script = body;
        argv = [RUN_SCRIPT];
      } else {
        // `RUN <<EOF` alone: the body is the shell script.
        argv = [...(shell ?? ['/bin/sh', '-c']), body];
      }
    } else if (ins.heredocs.length) {
      // `RUN cmd <<EOF`: the shell itself feeds the body to the command.
      const bodies = ins.heredocs.map((h) => `${h.body}${h.name}\n`).join('');
      argv = [...(shell ?? ['/bin/sh', '-c']), `${ins.args}\n${bodies}`];
    } else {
      argv = commandOf(ins.args, shell).argv;
    }
    const env = runEnv(st, this.buildArgs);
    const user = st.config.User ?? '';
    const workdir = st.config.WorkingDir ?? '/';
    const descriptor = { op: 'RUN', argv, env, user, workdir, network, mounts: mountKeys };
    const history = createdBy(ins, argv.join(' '));
    const descriptorWithScript = script === undefined ? descriptor : { ...descriptor, script };
    return this.cachedStep(st, descriptorWithScript, history, async (layerDirs) => {
      if (network === 'default' && !this.netRelease) this.netRelease = await acquireBuildNetwork();
      let scriptDir: string | undefined;
      if (script !== undefined) {
        scriptDir = join(this.req.store.root, 'tmp', `build-heredoc-${process.pid}-${randomBytes(6).toString('hex')}`);
        mkdirSync(scriptDir, { recursive: true });
        writeFileSync(join(scriptDir, 'script'), script, { mode: 0o755 });
        binds.push({ source: join(scriptDir, 'script'), target: RUN_SCRIPT, readOnly: true, file: true });
      }
      try {
      const out = await this.cache.withMountLocks(locked, () => runStep({
        store: this.req.store, layerDirs, signal: this.req.signal,
        step: {
          argv, env, user, workdir, network, ...(this.req.shmSize ? { shmSize: this.req.shmSize } : {}),
          ...(this.req.extraHosts ? { extraHosts: this.req.extraHosts } : {}),
          binds, tmpfs,
          project: this.req.project ?? DEFAULT_BUILD_PROJECT, name: `build-${this.req.name}`,
        },
        onLine: (stream, line) => {
          this.emit({ type: 'output', name: this.req.name, step: this.stepNo.get(ins) ?? 0, stream, line });
        },
      }));
      if (out.code !== 0) {
        await out.dispose();
        const last = out.tail.slice(-10);
        throw this.err('BUILD_RUN', ins.line,
          `"${displayText(ins)}" did not complete successfully: exit code ${out.code}${last.length ? `\n${last.map((l) => `  > ${l}`).join('\n')}` : ''}`,
          { step: displayText(ins) });
      }
      return out;
      } finally {
        if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
      }
    });
  }

  private async copyInstr(ins: Instr, st: StageState, stage: Stage): Promise<{ state: StageState; cached?: boolean }> {
    const isAdd = ins.keyword === 'ADD';
    checkFlags(ins, this.file, isAdd ? ['chown', 'chmod', 'link'] : ['from', 'chown', 'chmod', 'link']);
    const esc = this.parsed.escape;
    const vars = stageVars(st);
    const json = ins.args.trim().startsWith('[') ? parseJsonList(ins.args) : undefined;
    const words = json ?? processWords(ins.args, vars, { escape: esc });
    if (words.length < 2) throw this.err('BUILD_SYNTAX', ins.line, `${ins.keyword} requires at least two arguments, but got ${words.length}`, { step: displayText(ins) });
    const destRaw = words[words.length - 1]!;
    const specs = words.slice(0, -1);
    const workdir = st.config.WorkingDir ?? '/';
    let dest = destRaw.startsWith('/') ? destRaw : posix.join(workdir, destRaw);
    const destIsDir = destRaw.endsWith('/') || destRaw === '.' || specs.length > 1;
    if (dest !== '/' && dest.endsWith('/')) dest = dest.slice(0, -1);
    const chown = flagOf(ins, 'chown') !== undefined ? processWord(flagOf(ins, 'chown')!, vars, { escape: esc }) : undefined;
    const chmodRaw = flagOf(ins, 'chmod');
    const chmod = chmodRaw !== undefined ? parseChmod(chmodRaw) : undefined;
    if (chmodRaw !== undefined && chmod === undefined) throw this.err('BUILD_SYNTAX', ins.line, `invalid --chmod=${chmodRaw}: an octal mode is expected`);
    const fromRaw = flagOf(ins, 'from');
    const from = fromRaw !== undefined ? processWord(fromRaw, vars, { escape: esc }) : undefined;
    for (const s of specs) {
      if (/^[a-z]+:\/\//i.test(s) || s.startsWith('git@')) {
        throw this.err('BUILD_UNSUPPORTED', ins.line, `${ins.keyword} ${s}: remote sources are not supported (no network access during builds here); download the file into the build context`, { step: displayText(ins) });
      }
    }

    // Where the sources come from: the context, a stage, an image, an additional context, heredocs.
    const heredocNames = new Set(ins.heredocs.map((h) => h.name));
    const hdSpecs = specs.filter((s) => /^<<-?/.test(s) && heredocNames.has(s.replace(/^<<-?["']?|["']$/g, '')));
    const fileSpecs = specs.filter((s) => !hdSpecs.includes(s));
    let source: { kind: 'context'; dir: string } | { kind: 'state'; state: StageState };
    if (from === undefined) source = { kind: 'context', dir: this.req.contextDir };
    else {
      const s = this.stageRef(from, stage.index);
      const extra = this.req.additionalContexts?.[from];
      if (s) source = { kind: 'state', state: (await this.stage(s.index)).state };
      else if (extra && 'dir' in extra) source = { kind: 'context', dir: extra.dir };
      else source = { kind: 'state', state: await this.imageState(from, ins) };
    }
    const ctxIgnore = source.kind === 'context' && source.dir === this.req.contextDir ? this.ignoreMatcher() : undefined;

    let digest = '';
    let contextItems: SourceItem[] = [];
    if (source.kind === 'context' && fileSpecs.length) {
      contextItems = collectSources(source.dir, fileSpecs, dest, destIsDir, ctxIgnore);
      digest = sourcesDigest(contextItems, this.hashes.hash);
    } else if (source.kind === 'state') {
      digest = hashKey('state', source.state.key, ...fileSpecs.map(cleanSource));
    }
    const hd = ins.heredocs.filter((h) => hdSpecs.some((s) => s.replace(/^<<-?["']?|["']$/g, '') === h.name))
      .map((h) => ({ name: h.name, body: h.expand ? expandHeredoc(h.body, vars, esc) : h.body }));
    const descriptor = { op: ins.keyword, digest, specs, dest, destIsDir, chown, chmod, hd, workdir };
    const history = createdBy(ins);
    return this.cachedStep(st, descriptor, history, (layerDirs) => withRootfs(this.req.store, layerDirs, async (merged) => {
      const owner = chown !== undefined ? ownerOf(chown, merged) : (source.kind === 'state' ? undefined : { uid: 0, gid: 0 });
      if (workdir !== '/') makeDirIn(merged, workdir);
      // `COPY file /usr/local/bin` puts the file into a dir the image already has (docker's rule).
      const intoDir = destIsDir || isDirIn(merged, dest);
      if (source.kind === 'context' && contextItems.length) {
        const items = intoDir === destIsDir ? contextItems : collectSources(source.dir, fileSpecs, dest, true, ctxIgnore);
        await this.applyItems(merged, items, isAdd, owner, chmod);
      } else if (source.kind === 'state' && fileSpecs.length) {
        const srcDirs = await this.layerDirs(source.state);
        // The source side is a read view: its (empty) upper dir is thrown away.
        const src = await withRootfs(this.req.store, srcDirs, async (srcRoot) => {
          const items = collectSources(srcRoot, fileSpecs, dest, intoDir);
          copyInto(merged, items, owner ? { owner, ...(chmod !== undefined ? { chmod } : {}) } : (chmod !== undefined ? { chmod } : {}));
        });
        await src.dispose();
      }
      if (hd.length) {
        const tmp = join(this.req.store.root, 'tmp', `build-heredoc-${process.pid}-${randomBytes(6).toString('hex')}`);
        mkdirSync(tmp, { recursive: true });
        try {
          for (const h of hd) writeFileSync(join(tmp, h.name), h.body, { mode: 0o644 });
          const items = collectSources(tmp, hd.map((h) => h.name), dest, intoDir);
          copyInto(merged, items, { owner: owner ?? { uid: 0, gid: 0 }, ...(chmod !== undefined ? { chmod } : {}) });
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      }
    }));
  }

  /** Context items into the rootfs; for ADD, a local tar archive given as a source is extracted. */
  private async applyItems(merged: string, items: SourceItem[], isAdd: boolean, owner: CopyOwner | undefined, chmod: number | undefined): Promise<void> {
    const opts = { ...(owner ? { owner } : {}), ...(chmod !== undefined ? { chmod } : {}) };
    if (!isAdd) { copyInto(merged, items, opts); return; }
    const { isArchive, extractArchive } = await import('./archive.ts');
    const plain: SourceItem[] = [];
    for (const it of items) {
      // Only top-level file sources are archives (files inside a copied dir are copied as they are).
      if (it.kind === 'file' && isArchive(it.abs) && !items.some((o) => o !== it && o.kind === 'dir' && it.rel.startsWith(`${o.rel}/`))) {
        const destDir = it.dest.endsWith(`/${posix.basename(it.rel)}`) ? posix.dirname(it.dest) : it.dest;
        await extractArchive(this.req.store, it.abs, merged, destDir);
      } else plain.push(it);
    }
    copyInto(merged, plain, opts);
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
    return { image, refs, steps: this.total, cached: this.cached };
  }
}

function ownerOf(chown: string, merged: string): CopyOwner {
  const [u, g] = chown.split(':');
  const passwd = readContainerEtc(merged, 'passwd');
  const group = readContainerEtc(merged, 'group');
  const r = resolveUser(g !== undefined ? `${u}:${g}` : u, undefined, passwd, group);
  // `--chown=user` (no group): the gid is the same number as the uid (BuildKit's rule).
  return { uid: r.uid, gid: g !== undefined ? r.gid : (/^\d+$/.test(u ?? '') ? r.uid : r.gid) };
}

function userOwner(user: string, merged: string): CopyOwner {
  const r = resolveUser(user, undefined, readContainerEtc(merged, 'passwd'), readContainerEtc(merged, 'group'));
  return { uid: r.uid, gid: r.gid };
}

function parseJsonList(text: string): string[] | undefined {
  try {
    const v = JSON.parse(text.trim()) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v as string[] : undefined;
  } catch { return undefined; }
}

function expandHeredoc(body: string, vars: (n: string) => string | undefined, esc: string): string {
  // Unquoted heredoc names expand variables (BuildKit); quotes in the body stay as written.
  return body.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => processWord(m, vars, { escape: esc }));
}

function safeWord(w: string, globals: Record<string, string | undefined>, esc: string): string {
  try { return processWord(w, (n) => globals[n], { escape: esc }); } catch { return w; }
}

export function displayText(ins: Instr): string {
  const flags = ins.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`));
  const first = ins.args.split('\n')[0] ?? '';
  const t = [ins.keyword, ...flags, first].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
  return ins.text.startsWith('ONBUILD ') ? `ONBUILD ${t}` : t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
