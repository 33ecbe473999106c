// Service.develop.watch → compiled rules: absolute host paths, container target, and one
// `accepts(path)` filter that joins the rule's own ignore/include patterns (relative to its
// path), the build context's .dockerignore (relative to the context), editors' temp files and
// `.git`. Pure apart from reading the .dockerignore file (injectable for tests).
import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { Project, WatchRule } from '../../schema/model.ts';
import { StackFileError, type StackFileProblem } from '../../schema/errors.ts';
import { dockerPatterns, loadDockerignore, EPHEMERAL_PATTERNS, inDotGit, type PathMatcher } from './ignore.ts';

export type WatchAction = WatchRule['action'];
export type WatchExec = NonNullable<WatchRule['exec']>;

export interface CompiledRule {
  service: string;
  /** Index in the service's develop.watch list; `keyPath` names it for messages. */
  index: number;
  keyPath: string;
  action: WatchAction;
  /** Absolute host path (file or directory). */
  path: string;
  /** Absolute container path; set for the sync actions. */
  target: string | undefined;
  initialSync: boolean;
  exec: WatchExec | undefined;
  /** True when `abs` is `path` or lies under it. */
  covers(abs: string): boolean;
  /** Whether a change of `abs` concerns this rule (covered, not ignored; files must pass `include`). */
  accepts(abs: string, isDir: boolean): boolean;
  /** Whether a directory is ignored outright (the watcher need not descend into it). */
  ignoresDir(abs: string): boolean;
  /** Container path for a covered host path. */
  containerPath(abs: string): string;
}

/**
 * A rule's own path is followed if it is a symlink (`path: ./src` → ../shared/src), as compose does;
 * symlinks below it are synced as symlinks. A path that does not exist yet stays as written.
 */
function real(p: string): string {
  try { return realpathSync(p); } catch { return p; }
}

export function isSyncAction(a: WatchAction): boolean {
  return a === 'sync' || a === 'sync+restart' || a === 'sync+exec';
}

export interface CompileOptions {
  /** Reads the build context's ignore patterns; default: the .dockerignore file on disk. */
  dockerignore?: (contextDir: string, dockerfile: string | undefined) => string[];
}

/** Compiles every service's rules; all problems are reported together as one StackFileError. */
export function compileRules(project: Project, opts: CompileOptions = {}): CompiledRule[] {
  const problems: StackFileProblem[] = [];
  const out: CompiledRule[] = [];
  const readIgnore = opts.dockerignore ?? ((ctx, df) => loadDockerignore(ctx, df));
  for (const [service, svc] of Object.entries(project.services)) {
    const rules = svc.develop?.watch ?? [];
    if (rules.length === 0) continue;
    const ctx = svc.build?.context ? real(resolve(project.working_dir, svc.build.context)) : undefined;
    let ctxIgnore: PathMatcher | undefined;
    if (ctx) {
      try { ctxIgnore = dockerPatterns(readIgnore(ctx, svc.build?.dockerfile), `${ctx}/.dockerignore`); } catch (e) {
        problems.push({ keyPath: `services.${service}.build.context`, message: (e as Error).message });
      }
    }
    rules.forEach((r, index) => {
      const keyPath = `services.${service}.develop.watch[${index}]`;
      const origin = (k: string) => project.origins.get(`${keyPath}.${k}`) ?? project.origins.get(keyPath);
      const bad = (k: string, message: string, hint?: string) => {
        const o = origin(k);
        problems.push({ keyPath: `${keyPath}.${k}`, message, ...(o ? { origin: o } : {}), ...(hint ? { hint } : {}) });
      };
      if (!r.path) { bad('path', 'path is required'); return; }
      const path = real(resolve(project.working_dir, r.path));
      let target: string | undefined;
      if (isSyncAction(r.action)) {
        if (!r.target) { bad('target', `target is required for action ${r.action}`, 'the absolute path inside the container to sync to'); return; }
        if (!r.target.startsWith('/')) { bad('target', `target must be an absolute container path, got ${JSON.stringify(r.target)}`); return; }
        target = posix.normalize(r.target);
        if (target.length > 1 && target.endsWith('/')) target = target.slice(0, -1);
      }
      if (r.action === 'sync+exec' && !(r.exec?.command && r.exec.command.length > 0)) {
        bad('exec', 'action sync+exec needs exec.command'); return;
      }
      let ignore: PathMatcher;
      let include: PathMatcher | undefined;
      try {
        ignore = dockerPatterns([...EPHEMERAL_PATTERNS, ...(r.ignore ?? [])], `${keyPath}.ignore`);
        include = r.include && r.include.length > 0 ? dockerPatterns(r.include, `${keyPath}.include`) : undefined;
      } catch (e) { bad('ignore', (e as Error).message); return; }
      out.push(makeRule({ service, index, keyPath, action: r.action, path, target, initialSync: r.initial_sync === true,
        exec: r.exec, ignore, include, ctx, ctxIgnore }));
    });
  }
  if (problems.length > 0) throw new StackFileError(problems);
  return out;
}

function relUnder(base: string, abs: string): string | undefined {
  if (abs === base) return '';
  const rel = relative(base, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function makeRule(o: {
  service: string; index: number; keyPath: string; action: WatchAction; path: string; target: string | undefined;
  initialSync: boolean; exec: WatchExec | undefined; ignore: PathMatcher; include: PathMatcher | undefined;
  ctx: string | undefined; ctxIgnore: PathMatcher | undefined;
}): CompiledRule {
  const ignored = (abs: string): boolean => {
    const rel = relUnder(o.path, abs);
    if (rel === undefined) return true;
    if (rel !== '' && (inDotGit(rel) || o.ignore.matches(rel))) return true;
    if (o.ctx && o.ctxIgnore) {
      const crel = relUnder(o.ctx, abs);
      if (crel !== undefined && crel !== '' && o.ctxIgnore.matches(crel)) return true;
    }
    return false;
  };
  return {
    service: o.service, index: o.index, keyPath: o.keyPath, action: o.action, path: o.path, target: o.target,
    initialSync: o.initialSync, exec: o.exec,
    covers: (abs) => relUnder(o.path, abs) !== undefined,
    ignoresDir: ignored,
    accepts(abs, isDir) {
      if (ignored(abs)) return false;
      if (isDir || !o.include) return true;
      const rel = relUnder(o.path, abs);
      // A rule whose path is a single file includes that file whatever `include` says.
      return rel === '' || o.include.matches(rel!);
    },
    containerPath(abs) {
      const rel = relUnder(o.path, abs) ?? '';
      if (!o.target) return '';
      return rel === '' ? o.target : posix.join(o.target, rel);
    },
  };
}
