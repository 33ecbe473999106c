// What a filesystem step (RUN, COPY, ADD) needs from the build it runs in: the request, the
// cache, errors that name the Dockerfile line, stages and images as states, the cached-step
// runner. The engine (engine.ts) implements it; run-instr.ts and copy-instr.ts use it.
import type { BuildRequest } from './build.ts';
import type { BuildError, BuildErrorCode } from './errors.ts';
import type { Instr } from './parse.ts';
import type { StageState } from './state.ts';
import type { BuildCache, FileHashes } from './cache.ts';
import type { PathMatcher } from '../watch/ignore.ts';
import type { CopyOwner } from './copy.ts';
import { readContainerEtc } from '../runtime/etc-files.ts';
import { resolveUser } from '../runtime/user.ts';

export type StepResult = { state: StageState; cached?: boolean };

/** cgroup parent of RUN containers when the request names no project (a '.' no compose project name has). */
export const DEFAULT_BUILD_PROJECT = 'build.tscompose';

export interface StepHost {
  readonly req: BuildRequest;
  /** The Dockerfile as named in errors. */
  readonly file: string;
  readonly escape: string;
  readonly cache: BuildCache;
  readonly hashes: FileHashes;
  readonly buildArgs: Record<string, string | null>;
  err(code: BuildErrorCode, line: number, message: string, opts?: { step?: string; hint?: string; cause?: unknown }): BuildError;
  /** An `output` event of the step `ins`. */
  output(ins: Instr, stream: 'stdout' | 'stderr', line: string): void;
  /** The context's .dockerignore rules. */
  ignoreMatcher(): PathMatcher | undefined;
  /** Runs `exec` unless the cache has the step; `exec` returns the step's upper dir. */
  cachedStep(st: StageState, descriptor: unknown, history: string,
    exec: (layerDirs: string[]) => Promise<{ upperDir: string; dispose(): Promise<void> }>): Promise<StepResult>;
  /** Unpacked layer dirs of a state, bottom → top. */
  layerDirs(st: StageState): Promise<string[]>;
  /** The final state of the stage `ref` (name or index) defined before `before`, built on demand. */
  stageState(ref: string, before: number): Promise<StageState | undefined>;
  imageState(ref: string, ins: Instr): Promise<StageState>;
  /** Holds the build network until the build ends. */
  useBuildNetwork(): Promise<void>;
}

/** `--chown=user[:group]` in the rootfs's /etc/passwd and /etc/group. */
export function ownerOf(chown: string, merged: string): CopyOwner {
  const [u, g] = chown.split(':');
  const passwd = readContainerEtc(merged, 'passwd');
  const group = readContainerEtc(merged, 'group');
  const r = resolveUser(g !== undefined ? `${u}:${g}` : u, undefined, passwd, group);
  // `--chown=user` (no group): the gid is the same number as the uid (BuildKit's rule).
  return { uid: r.uid, gid: g !== undefined ? r.gid : (/^\d+$/.test(u ?? '') ? r.uid : r.gid) };
}

/** A USER value as the owner of what a step makes (its primary group). */
export function userOwner(user: string, merged: string): CopyOwner {
  const r = resolveUser(user, undefined, readContainerEtc(merged, 'passwd'), readContainerEtc(merged, 'group'));
  return { uid: r.uid, gid: r.gid };
}

export function displayText(ins: Instr): string {
  const flags = ins.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`));
  const first = ins.args.split('\n')[0] ?? '';
  const t = [ins.keyword, ...flags, first].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
  return ins.text.startsWith('ONBUILD ') ? `ONBUILD ${t}` : t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
