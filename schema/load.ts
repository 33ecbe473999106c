// loadProject: stack files + env → normalized Project. The pipeline of pure stages (compose-go's):
//   per file: parse (with origins) → interpolate → validate → canonical → extends → include
//   then: merge files in order → drop !reset → project name → profiles → defaults → checks → Project
// Every problem from every stage is collected and thrown together as one StackFileError.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { StackFileError } from './errors.ts';
import type { Origin, StackFileProblem } from './errors.ts';
import type { Project, Service } from './model.ts';
import { Tagged } from './tree.ts';
import { parseStackFile } from './parse-file.ts';
import { OriginMap } from './origins.ts';
import { interpolateString, interpolateTree } from './interpolate.ts';
import type { Lookup, TreeProblem } from './interpolate.ts';
import { parseEnv } from './env.ts';
import { validateTree, originOf } from './validate.ts';
import { canonicalize } from './rules/canonical.ts';
import { enforceUnicity, mergeValue, stripTags } from './rules/merge.ts';
import { addImplicitDependsOn, applyDefaults } from './rules/defaults.ts';
import { runChecks } from './rules/checks.ts';
import { resolveExtends } from './extends.ts';
import { splitByProfiles } from './profiles.ts';
import { keepServiceGraph } from '../planner/graph.ts';
import { discoverFiles, normalizeProjectName, projectName, scanName, STDIN } from './discover.ts';
import { cacheKey, decodeParsed, encodeParsed } from './parse-cache.ts';
import type { ParseCacheStore } from './parse-cache.ts';
import type { ParsedFile } from './tree.ts';

/** Files smaller than this parse faster than a cache lookup costs. */
const CACHE_MIN_BYTES = 16 * 1024;

export interface LoadOptions {
  files?: string[];
  projectName?: string;
  projectDirectory?: string;
  profiles?: string[];
  envFiles?: string[];
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Default true. */
  interpolate?: boolean;
  /** Services named on the command line: they are enabled whatever their profiles. */
  services?: string[];
  onWarning?: (msg: string) => void;
  /** Contents for the "-" file (default: read from fd 0). */
  stdin?: string;
  /** Where parsed big files are kept between runs (see schema/parse-cache.ts); none by default. */
  parseCache?: ParseCacheStore;
  /**
   * Receives the environment interpolation used (`config --environment`): the shell's variables
   * over the project's .env / --env-file ones, PWD, and COMPOSE_PROJECT_NAME set to the project's
   * name, as compose-go records it.
   */
  onEnvironment?: (env: Record<string, string>) => void;
  /**
   * Receives each stack file's tree as written (after YAML, before interpolation: `config
   * --variables` reads the templates). Called synchronously; later stages may change the tree, so
   * read it then and keep nothing.
   */
  onFileTree?: (tree: Record<string, unknown>) => void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tagged);

/** Where `-` reads from when LoadOptions.stdin is not given. */
const STDIN_NAME = '<stdin>';

export async function loadProject(opts: LoadOptions = {}): Promise<Project> {
  return loadProjectSync(opts);
}

/** The same, synchronously (everything it does is local file reads). */
export function loadProjectSync(opts: LoadOptions = {}): Project {
  const cwd = opts.cwd ?? process.cwd();
  const shell = opts.env ?? process.env;
  const warn = opts.onWarning ?? (() => {});
  const problems: StackFileProblem[] = [];
  const fail = () => new StackFileError(problems);

  // 1. The env files (.env in the project directory, or --env-file), read before discovery since
  //    COMPOSE_FILE / COMPOSE_PROJECT_NAME / COMPOSE_PROFILES may be set there.
  const disabledEnvFile = truthy(shell.COMPOSE_DISABLE_ENV_FILE);
  const readDotenv = (dir: string): { vars: Record<string, string>; problems: StackFileProblem[] } => {
    const vars: Record<string, string> = {};
    const pp: StackFileProblem[] = [];
    if (disabledEnvFile) return { vars, problems: pp };
    const files = opts.envFiles?.length ? opts.envFiles.map((f) => resolve(cwd, f)) : [resolve(dir, '.env')];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        if (opts.envFiles?.length) pp.push({ message: `env file ${f} not found`, keyPath: '' });
        continue;
      }
      try {
        Object.assign(vars, parseEnv(text, { lookup: (k) => shell[k] ?? vars[k] }));
      } catch (e) {
        pp.push({ message: (e as Error).message, keyPath: '', origin: { file: f, line: (e as { line?: number }).line ?? 1, col: 1 } });
      }
    }
    return { vars, problems: pp };
  };
  const firstDir = opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : cwd;
  let env0 = readDotenv(firstDir);
  const lookupIn = (d: Record<string, string>): Lookup => (k) => shell[k] ?? d[k];

  // 2. Files and project directory.
  const found = discoverFiles({ files: opts.files, env: lookupIn(env0.vars), cwd, searchFrom: firstDir });
  if (found.problem) {
    problems.push(found.problem);
    throw fail();
  }
  const firstFile = found.files[0]!;
  const projectDir = opts.projectDirectory
    ? resolve(cwd, opts.projectDirectory)
    : firstFile === STDIN ? cwd : dirname(firstFile);
  // The .env that counts is the project directory's (the first read only served to find the files).
  if (projectDir !== firstDir && !opts.envFiles?.length) env0 = readDotenv(projectDir);
  problems.push(...env0.problems);
  const texts = new Map<string, string>();
  const readText = (file: string): string => {
    let t = texts.get(file);
    if (t === undefined) {
      t = file === STDIN ? (opts.stdin ?? readFileSync(0, 'utf8')) : readFileSync(file, 'utf8');
      texts.set(file, t);
    }
    return t;
  };
  const baseLookup = lookupIn(env0.vars);
  const earlyName = opts.projectName || baseLookup('COMPOSE_PROJECT_NAME') || fileName(found.files, readText, baseLookup) || normalizeProjectName(basename(projectDir));
  // ${COMPOSE_PROJECT_NAME} is the project's name even when nobody set the variable.
  // ${PWD} is the working directory even when the shell did not export it (docker compose sets it).
  const lookup: Lookup = (k) => baseLookup(k) ?? (k === 'COMPOSE_PROJECT_NAME' ? earlyName : k === 'PWD' ? cwd : undefined);
  const home = shell.HOME ?? '/root';

  // 3. Per file stages.
  // Each file's origins; merged into one map (later files win) when the project is built.
  const fileOrigins: Map<string, Origin>[] = [];
  const origins = {
    get: (k: string): Origin | undefined => {
      for (let i = fileOrigins.length - 1; i >= 0; i--) {
        const o = fileOrigins[i]!.get(k);
        if (o) return o;
      }
      return undefined;
    },
  };
  const missing = new Set<string>();
  const onMissing = (name: string) => {
    if (missing.has(name)) return;
    missing.add(name);
    warn(`The "${name}" variable is not set. Defaulting to a blank string.`);
  };
  const interpolate = opts.interpolate !== false;
  let anyTagged = false;
  const cache = new Map<string, Obj | undefined>();

  const loadFile = (file: string, baseDir: string, env: Lookup, includeStack: string[]): Obj | undefined => {
    const key = `${file}\u0000${baseDir}`;
    if (cache.has(key)) return cache.get(key);
    cache.set(key, undefined); // a file that extends itself through a chain sees "not loaded"
    let text: string;
    const name = file === STDIN ? STDIN_NAME : file;
    try {
      text = readText(file);
    } catch (e) {
      problems.push({ message: `cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, keyPath: '' });
      return undefined;
    }
    const { parsed, problems: pp } = parseCached(text, name, opts.parseCache);
    if (!parsed) {
      problems.push(...pp);
      return undefined;
    }
    fileOrigins.push(parsed.origins);
    const at = (tp: TreeProblem[]) => {
      for (const p of tp) {
        const o = originOf(parsed.origins, p.keyPath);
        problems.push({ message: p.message, keyPath: p.keyPath, ...(o ? { origin: o } : {}), ...(p.hint ? { hint: p.hint } : {}) });
      }
    };
    const before = problems.length;
    anyTagged ||= parsed.tagged;
    let tree = parsed.tree;
    opts.onFileTree?.(tree);
    if (interpolate) {
      const ip: TreeProblem[] = [];
      tree = interpolateTree(tree, { lookup: env, onMissing }, '', ip) as Obj;
      at(ip);
    }
    const vp = validateTree(parsed.tagged ? stripTags(tree) : tree, parsed.origins);
    problems.push(...vp);
    if (problems.length > before) return undefined;
    if (tree.version !== undefined) warn(`${name}: the attribute "version" is obsolete, it will be ignored`);
    const cp: TreeProblem[] = [];
    const raw = tree;
    tree = canonicalize(tree, { baseDir, home, problems: cp });
    resolveExtends(tree, file, {
      loadFile: (f) => loadFile(f, dirname(f), env, includeStack),
    }, cp);
    // Without interpolation `${PORT}:80` cannot be parsed: like compose-go, keep such values as
    // written instead of failing (only values that still hold a variable are let through).
    at(interpolate ? cp : cp.filter((p) => !holdsVariable(raw, p.keyPath)));
    if (Array.isArray(tree.include)) tree = applyInclude(tree, name, baseDir, env, includeStack);
    cache.set(key, tree);
    return tree;
  };

  // include: each entry is its own small project (own directory and env file) merged in first;
  // a resource defined both here and in an included file is an error unless identical.
  const applyInclude = (tree: Obj, file: string, baseDir: string, env: Lookup, includeStack: string[]): Obj => {
    const entries = tree.include as unknown[];
    const { include: _omit, ...rest } = tree;
    let acc: Obj = {};
    entries.forEach((e, i) => {
      const keyPath = `include[${i}]`;
      const spec = isObj(e) ? e : { path: e };
      const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p) => resolve(baseDir, String(p)));
      const dir = spec.project_directory !== undefined ? resolve(baseDir, String(spec.project_directory)) : dirname(paths[0]!);
      if (paths.some((p) => includeStack.includes(p) || p === file)) {
        problems.push({ message: `include cycle: ${[...includeStack, file, paths[0]].join(' -> ')}`, keyPath, ...(origins.get(keyPath) ? { origin: origins.get(keyPath)! } : {}) });
        return;
      }
      const envFiles = spec.env_file === undefined ? [resolve(dir, '.env')] : (Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]).map((f) => resolve(baseDir, String(f)));
      const subEnv: Record<string, string> = {};
      for (const f of envFiles) {
        try {
          Object.assign(subEnv, parseEnv(readFileSync(f, 'utf8'), { lookup: (k) => shell[k] ?? subEnv[k] }));
        } catch (err) {
          if (spec.env_file !== undefined) problems.push({ message: `env file ${f}: ${(err as Error).message}`, keyPath });
        }
      }
      const subLookup: Lookup = (k) => shell[k] ?? subEnv[k] ?? env(k);
      let sub: Obj = {};
      for (const p of paths) {
        const t = loadFile(p, dir, subLookup, [...includeStack, file]);
        if (t) sub = mergeValue(sub, t, []) as Obj;
      }
      acc = mergeIncluded(acc, sub);
    });
    return mergeIncluded(acc, rest);
  };
  const mergeIncluded = (a: Obj, b: Obj): Obj => {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) {
      if (['services', 'networks', 'volumes', 'secrets', 'configs'].includes(k) && isObj(v) && isObj(out[k])) {
        const sec: Obj = { ...(out[k] as Obj) };
        for (const [name, def] of Object.entries(v)) {
          if (name in sec && JSON.stringify(sec[name]) !== JSON.stringify(def)) {
            problems.push({ message: `${k}.${name} is defined both in an included file and in the including file`, keyPath: `${k}.${name}`, ...(origins.get(`${k}.${name}`) ? { origin: origins.get(`${k}.${name}`)! } : {}) });
          }
          sec[name] = def;
        }
        out[k] = sec;
      } else {
        out[k] = v;
      }
    }
    return out;
  };

  let merged: Obj = {};
  let unreadable = false;
  for (const f of found.files) {
    const t = loadFile(f, projectDir, lookup, []);
    if (t && Object.keys(t).length === 0) problems.push({ message: 'empty stack file', keyPath: '', origin: { file: f === STDIN ? STDIN_NAME : f, line: 1, col: 1 } });
    if (t) merged = mergeValue(merged, t, []) as Obj;
    else unreadable = true;
  }
  // A file that did not parse or validate has no usable tree: stop here. Problems found later
  // (bad port syntax, unknown references…) are all collected and reported together at the end.
  if (unreadable || problems.some((p) => p.message === 'empty stack file')) throw fail();
  if (anyTagged) merged = stripTags(merged) as Obj;
  enforceUnicity(merged);

  // 4. Name, profiles, defaults, checks.
  const named = projectName({ explicit: opts.projectName, env: baseLookup('COMPOSE_PROJECT_NAME'), fromFile: merged.name, dir: projectDir });
  if (named.problem) {
    const o = named.problem.keyPath ? origins.get(named.problem.keyPath) : undefined;
    problems.push({ ...named.problem, ...(o ? { origin: o } : {}) });
    throw fail();
  }
  if (opts.onEnvironment) {
    const env: Record<string, string> = { ...env0.vars, PWD: cwd };
    for (const [k, v] of Object.entries(shell)) if (v !== undefined) env[k] = v;
    env.COMPOSE_PROJECT_NAME = named.name;
    opts.onEnvironment(env);
  }
  const services = isObj(merged.services) ? merged.services : {};
  addImplicitDependsOn(services);
  const active = opts.profiles?.length ? opts.profiles : (lookup('COMPOSE_PROFILES') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const { enabled, disabled } = splitByProfiles(services, active, opts.services);
  for (const s of opts.services ?? []) {
    if (!(s in services)) problems.push({ message: `no such service: "${s}"`, keyPath: '' });
  }
  // A dependency on a service switched off by profiles: required → error, optional → dropped.
  for (const [name, s] of Object.entries(enabled)) {
    if (!isObj(s) || !isObj(s.depends_on)) continue;
    for (const [dep, d] of Object.entries(s.depends_on)) {
      if (!(dep in disabled)) continue;
      if (isObj(d) && d.required === false) {
        delete (s.depends_on as Obj)[dep];
      } else {
        const p = `services.${name}.depends_on.${dep}`;
        const prof = (disabled[dep] as Obj).profiles as string[] | undefined;
        problems.push({
          message: `service "${name}" depends on service "${dep}", which is disabled by its profiles`,
          keyPath: p,
          ...(originOf(origins, p) ? { origin: originOf(origins, p)! } : {}),
          ...(prof?.length ? { hint: `enable it with --profile ${prof[0]}` } : {}),
        });
      }
    }
  }
  const readEnvFile = (path: string, raw: boolean, fileLookup: Lookup): Record<string, string> | undefined => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    return parseEnv(text, { lookup: fileLookup, raw });
  };
  const dp: TreeProblem[] = [];
  const withDefaults = applyDefaults({ ...merged, services: enabled }, { project: named.name, lookup, readEnvFile, problems: dp });
  const disabledDefaults = applyDefaults({ services: disabled }, { project: named.name, lookup, readEnvFile, problems: [] });
  const cp = runChecks(withDefaults, new Set(Object.keys(disabled)));
  for (const p of [...dp, ...cp]) {
    const o = originOf(origins, p.keyPath);
    problems.push({ message: p.message, keyPath: p.keyPath, ...(o ? { origin: o } : {}), ...(p.hint ? { hint: p.hint } : {}) });
  }
  if (problems.length) throw fail();

  const extensions: Obj = {};
  for (const [k, v] of Object.entries(merged)) if (k.startsWith('x-')) extensions[k] = v;
  const project: Project = {
    name: named.name,
    working_dir: projectDir,
    services: toServices(withDefaults.services as Obj),
    disabled_services: toServices(disabledDefaults.services as Obj),
    networks: (withDefaults.networks ?? {}) as Project['networks'],
    volumes: (withDefaults.volumes ?? {}) as Project['volumes'],
    secrets: (withDefaults.secrets ?? {}) as Project['secrets'],
    configs: (withDefaults.configs ?? {}) as Project['configs'],
    extensions,
    origins: mergeOrigins(fileOrigins),
    files: found.files.map((f) => (f === STDIN ? STDIN_NAME : f)),
  };
  // Dependency cycles (depends_on, links, service: namespaces, volumes_from) are reported at load
  // time, as docker compose does, by the one owner of the service graph: the planner's, so `config`
  // and `up` print the same message (`dependency cycle: web → api → web`) at the same file:line.
  // The graph is kept for the planner (planner/graph.ts serviceGraphOf).
  keepServiceGraph(project);
  return project;
}

/** Moves each service's `x-*` keys into `extensions` (the model's place for them). */
function toServices(svcs: Obj): Record<string, Service> {
  const out: Record<string, Service> = {};
  for (const [name, s] of Object.entries(svcs)) {
    const svc: Obj = {};
    const ext: Obj = {};
    for (const [k, v] of Object.entries(s as Obj)) (k.startsWith('x-') ? ext : svc)[k] = v;
    if (Object.keys(ext).length) svc.extensions = ext;
    out[name] = svc as unknown as Service;
  }
  return out;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'y', 'on'].includes(v.toLowerCase());
}

/** The files' origins as one map, later files winning; built only when first read (an error). */
function mergeOrigins(maps: Map<string, Origin>[]): Map<string, Origin> {
  if (maps.length === 1) return maps[0]!;
  return OriginMap.deferred('', function* () {
    for (const m of maps) yield* m;
  });
}

function parseCached(text: string, name: string, cache: ParseCacheStore | undefined): { parsed?: ParsedFile; problems: StackFileProblem[] } {
  if (!cache || text.length < CACHE_MIN_BYTES) return parseStackFile(text, name);
  const key = cacheKey(text);
  const hit = cache.get(key);
  const decoded = hit === undefined ? undefined : decodeParsed(hit, name, text);
  if (decoded) return { parsed: decoded, problems: [] };
  const r = parseStackFile(text, name);
  if (r.parsed) cache.set(key, encodeParsed(r.parsed));
  return r;
}

/** Whether the raw value at a key path (or anything under it) still contains a `$`. */
function holdsVariable(tree: unknown, keyPath: string): boolean {
  let cur: unknown = tree;
  for (const m of keyPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur instanceof Tagged) cur = cur.value;
    if (cur === null || typeof cur !== 'object') return false;
    cur = m[2] !== undefined ? (cur as unknown[])[Number(m[2])] : (cur as Record<string, unknown>)[m[1]!];
  }
  return JSON.stringify(cur ?? '').includes('$');
}

/** The last `name:` among the main files, interpolated (see scanName). */
function fileName(files: string[], read: (f: string) => string, lookup: Lookup): string | undefined {
  let name: string | undefined;
  for (const f of files) {
    try {
      const n = scanName(read(f));
      if (n !== undefined) name = n;
    } catch {
      // unreadable: reported when the file is loaded
    }
  }
  if (name === undefined) return undefined;
  try {
    return normalizeProjectName(interpolateString(name, { lookup })) || undefined;
  } catch {
    return undefined;
  }
}
