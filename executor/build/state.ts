// The state of a stage between steps, and the steps that only change the image config (ENV, ARG,
// WORKDIR's path, USER, CMD, ENTRYPOINT, EXPOSE, LABEL, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL,
// ONBUILD). Pure: instruction + state → state. ARG scoping follows docker:
// - ARGs before the first FROM are global: usable in FROM lines only, unless a stage re-declares
//   them (`ARG NAME` without a value takes the global value);
// - a stage's ARG is visible from its line on; a build arg (--build-arg) overrides its default;
// - ENV wins over an ARG of the same name in expansions and in RUN's environment;
// - the proxy args (HTTP_PROXY …) are predefined: passed to RUN without an ARG line, never stored.
import { createHash } from 'node:crypto';
import type { Descriptor, HealthConfig, OciImageConfig } from '../image/oci.ts';
import { parseJsonArray, parsePairs, processWord, processWords, type Vars } from './words.ts';
import type { Instr } from './parse.ts';

export interface History { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }

/** The image config with the two fields docker adds (ONBUILD triggers, SHELL). */
export type BuildConfig = OciImageConfig & { OnBuild?: string[] | null; Shell?: string[] };

export interface StageState {
  /** Cache key of everything so far (parent chain + steps). */
  key: string;
  diffIds: string[];
  layers: Descriptor[];
  config: BuildConfig;
  history: History[];
  /** Creation time of the last step (the image's `created`: a cached rebuild gives the same image ID). */
  created: string;
  /** Args visible in this stage: name → value (undefined = declared, no value). */
  args: Record<string, string | undefined>;
  /** This stage set CMD (then a later ENTRYPOINT keeps it; an inherited CMD is reset). */
  cmdSet?: boolean;
}

export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
export const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** BuildKit's automatic platform args (global scope: a stage needs `ARG TARGETARCH` to see them). */
export const PLATFORM_ARGS: Record<string, string> = {
  TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '',
  BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
};

export function hashKey(...parts: string[]): string {
  return 'sha256:' + createHash('sha256').update(parts.join('\n')).digest('hex');
}

export function envMap(cfg: BuildConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of cfg.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
    else m.set(kv, '');
  }
  return m;
}

/** Variables for expansion in a stage: ENV first, then the stage's ARGs. */
export function stageVars(st: StageState): Vars {
  const env = envMap(st.config);
  return (name) => env.get(name) ?? st.args[name];
}

/** RUN's environment: the image env, then args not shadowed by it, then the proxy build args. */
export function runEnv(st: StageState, buildArgs: Record<string, string | null>): string[] {
  const env = envMap(st.config);
  const out = [...env].map(([k, v]) => `${k}=${v}`);
  for (const [k, v] of Object.entries(st.args)) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
  for (const k of PROXY_ARGS) {
    const v = buildArgs[k];
    if (typeof v === 'string' && !env.has(k) && !(k in st.args)) out.push(`${k}=${v}`);
  }
  return out;
}

/** Global ARGs (before the first FROM), with build-arg overrides. */
export function globalArgs(instrs: Instr[], buildArgs: Record<string, string | null>, escape: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...PLATFORM_ARGS };
  for (const ins of instrs) declareArgs(out, ins.args, buildArgs, {}, escape);
  return out;
}

/** `ARG A=1 B`: declares into `scope`. A bare name takes the build arg, else the global value. */
export function declareArgs(scope: Record<string, string | undefined>, text: string, buildArgs: Record<string, string | null>,
  globals: Record<string, string | undefined>, escape: string, env?: Map<string, string>): void {
  const vars: Vars = (n) => env?.get(n) ?? scope[n];
  for (const [k, def] of parsePairs(text, vars, { escape, allowBare: true })) {
    const given = buildArgs[k];
    if (typeof given === 'string') scope[k] = given;
    else if (def !== undefined) scope[k] = def;
    else scope[k] = globals[k];
  }
}

export function withEnv(cfg: BuildConfig, pairs: [string, string][]): BuildConfig {
  const m = envMap(cfg);
  for (const [k, v] of pairs) m.set(k, v);
  return { ...cfg, Env: [...m].map(([k, v]) => `${k}=${v}`) };
}

/** A command in shell form runs through the stage's SHELL; exec form as written. */
export function commandOf(args: string, shell: string[] | undefined): { argv: string[]; exec: boolean } {
  const json = parseJsonArray(args);
  if (json) return { argv: json, exec: true };
  return { argv: [...(shell ?? DEFAULT_SHELL), args], exec: false };
}

/** WORKDIR: relative paths join the current one; variables expanded. */
export function resolveWorkdir(current: string | undefined, arg: string): string {
  const p = arg.startsWith('/') ? arg : `${current || '/'}/${arg}`;
  const parts: string[] = [];
  for (const x of p.split('/')) {
    if (x === '' || x === '.') continue;
    if (x === '..') parts.pop(); else parts.push(x);
  }
  return '/' + parts.join('/');
}

const DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/;
const NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go durations (`30s`, `1m30s`) → nanoseconds, as the image config stores them. */
export function parseDuration(v: string): number | undefined {
  let total = 0;
  let rest = v;
  if (!rest) return undefined;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * NS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return DURATION.test(v) || total >= 0 ? Math.round(total) : undefined;
}

export class MetaError extends Error {}

/**
 * Applies a config-only instruction. Returns the new config and the history text, or undefined
 * when `ins` changes files (RUN, COPY, ADD) or is ARG/FROM (handled by the caller).
 */
export function applyMeta(ins: Instr, st: StageState, escape: string): BuildConfig | undefined {
  const cfg = st.config;
  const vars = stageVars(st);
  const words = () => processWords(ins.args, vars, { escape });
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = parsePairs(ins.args, vars, { escape, legacy: true });
      return withEnv(cfg, pairs.map(([k, v]) => [k, v ?? '']));
    }
    case 'LABEL': {
      const pairs = parsePairs(ins.args, vars, { escape, legacy: true });
      const labels = { ...(cfg.Labels ?? {}) };
      for (const [k, v] of pairs) labels[k] = v ?? '';
      return { ...cfg, Labels: labels };
    }
    case 'MAINTAINER':
      return { ...cfg, Labels: { ...(cfg.Labels ?? {}), maintainer: processWord(ins.args, vars, { escape }) } };
    case 'WORKDIR':
      return { ...cfg, WorkingDir: resolveWorkdir(cfg.WorkingDir, processWord(ins.args, vars, { escape })) };
    case 'USER':
      return { ...cfg, User: processWord(ins.args, vars, { escape }) };
    case 'CMD': {
      const c = commandOf(ins.args, cfg.Shell);
      return { ...cfg, Cmd: c.argv };
    }
    case 'ENTRYPOINT': {
      const c = commandOf(ins.args, cfg.Shell);
      // Setting ENTRYPOINT resets a CMD inherited from the base image (docker does; a CMD in this stage after it stays).
      return { ...cfg, Entrypoint: c.argv, Cmd: null };
    }
    case 'EXPOSE': {
      const ports = { ...(cfg.ExposedPorts ?? {}) };
      for (const w of words()) {
        const [p, proto] = w.split('/');
        if (!p || !/^\d+(-\d+)?$/.test(p)) throw new MetaError(`invalid port ${JSON.stringify(w)}`);
        ports[`${p}/${(proto ?? 'tcp').toLowerCase()}`] = {};
      }
      return { ...cfg, ExposedPorts: ports };
    }
    case 'VOLUME': {
      const vols = { ...(cfg.Volumes ?? {}) };
      const list = parseJsonArray(ins.args) ?? words();
      for (const v of list) {
        if (!v.trim()) throw new MetaError('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      return { ...cfg, Volumes: vols };
    }
    case 'STOPSIGNAL':
      return { ...cfg, StopSignal: processWord(ins.args, vars, { escape }) };
    case 'SHELL': {
      const json = parseJsonArray(ins.args);
      if (!json || json.length === 0) throw new MetaError('SHELL requires the arguments to be in JSON form');
      return { ...cfg, Shell: json };
    }
    case 'ONBUILD': {
      const trig = ins.args.trim();
      const kw = trig.split(/\s+/)[0]?.toUpperCase() ?? '';
      if (kw === 'ONBUILD' || kw === 'FROM' || kw === 'MAINTAINER') throw new MetaError(`${kw} isn't allowed as an ONBUILD trigger`);
      return { ...cfg, OnBuild: [...(cfg.OnBuild ?? []), trig] };
    }
    case 'HEALTHCHECK':
      return { ...cfg, Healthcheck: healthcheckOf(ins, cfg.Shell) };
    default:
      return undefined;
  }
}

function healthcheckOf(ins: Instr, shell: string[] | undefined): HealthConfig {
  const text = ins.args.trim();
  const [first, ...rest] = text.split(/\s+/);
  if (first?.toUpperCase() === 'NONE') {
    if (rest.length) throw new MetaError('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (first?.toUpperCase() !== 'CMD') throw new MetaError('HEALTHCHECK requires CMD or NONE');
  const cmdText = text.slice(first.length).trim();
  if (!cmdText) throw new MetaError('HEALTHCHECK CMD requires a command');
  const json = parseJsonArray(cmdText);
  const h: HealthConfig = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', cmdText] };
  void shell;
  const dur = (name: string, key: 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval') => {
    const f = ins.flags.find((x) => x.name === name);
    if (!f) return;
    const ns = parseDuration(f.value ?? '');
    if (ns === undefined) throw new MetaError(`--${name}: invalid duration ${JSON.stringify(f.value)}`);
    h[key] = ns;
  };
  dur('interval', 'Interval');
  dur('timeout', 'Timeout');
  dur('start-period', 'StartPeriod');
  dur('start-interval', 'StartInterval');
  const r = ins.flags.find((x) => x.name === 'retries');
  if (r) {
    const n = Number(r.value);
    if (!Number.isInteger(n) || n < 0) throw new MetaError(`--retries: invalid number ${JSON.stringify(r.value)}`);
    h.Retries = n;
  }
  for (const f of ins.flags) {
    if (!['interval', 'timeout', 'start-period', 'start-interval', 'retries'].includes(f.name)) throw new MetaError(`unknown flag: --${f.name}`);
  }
  return h;
}

/** The `created_by` text of a step in the image history (docker's form). */
export function createdBy(ins: Instr, extra = ''): string {
  const body = ins.keyword === 'RUN' ? `RUN ${extra}` : `${ins.keyword} ${ins.args}`;
  return `${body.replace(/\s+/g, ' ').trim()} # buildkit`;
}
