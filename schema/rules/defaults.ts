// Defaults applied to the merged, profile-filtered project tree, as a table keyed by key-path
// pattern (compose-go transform/defaults.go + the loader's normalize step): the implicit `default`
// network, project-scoped names for networks/volumes/secrets/configs (`<project>_<key>`), the
// default Dockerfile, and `environment` resolved with env_file contents and the shell.
// Container names are not set here: they are the runtime's (`<project>-<service>-<n>`).
import { compile, lookup } from './pattern.ts';
import type { Lookup } from '../interpolate.ts';
import type { TreeProblem } from '../interpolate.ts';

type Obj = Record<string, unknown>;

export interface DefaultsContext {
  project: string;
  /** Shell > env files: resolves `environment: [KEY]` entries without a value. */
  lookup: Lookup;
  /** Reads and parses one env_file (undefined when it does not exist); `${X}` resolves through `lookup`. */
  readEnvFile: (path: string, raw: boolean, lookup: Lookup) => Record<string, string> | undefined;
  problems: TreeProblem[];
}

type Rule = (v: unknown, c: DefaultsContext, key: string, path: string) => unknown;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const scopedName = (v: unknown, c: DefaultsContext, key: string): unknown => {
  const o: Obj = isObj(v) ? { ...v } : {};
  if (typeof o.name !== 'string') o.name = o.external === true ? key : `${c.project}_${key}`;
  return o;
};

const defaultService: Rule = (v, c, _key, path) => {
  const s: Obj = isObj(v) ? { ...v } : {};
  if (s.pull_policy === 'if_not_present') s.pull_policy = 'missing';
  // compose-go defaultSecretMount: a secret is mounted at /run/secrets/<source> unless told otherwise.
  if (Array.isArray(s.secrets)) {
    s.secrets = s.secrets.map((r) => (isObj(r) && r.target === undefined ? { ...r, target: `/run/secrets/${String(r.source)}` } : r));
  }
  if (isObj(s.build) && isObj(s.build.args)) {
    // A build arg without a value comes from the environment, and is dropped when unset there.
    const args: Obj = {};
    for (const [k, x] of Object.entries(s.build.args)) {
      const val = x === null ? c.lookup(k) : x;
      if (val !== undefined) args[k] = val;
    }
    s.build = { ...s.build, args };
  }
  if (s.provider === undefined && s.network_mode === undefined && (s.networks === undefined || (isObj(s.networks) && Object.keys(s.networks).length === 0))) {
    s.networks = { default: null };
  }
  if (isObj(s.build) && s.build.dockerfile === undefined && s.build.dockerfile_inline === undefined) {
    s.build = { ...s.build, dockerfile: 'Dockerfile' };
  }
  // Compose resolves env_file into environment at load time; `environment` wins over env_file.
  const env: Record<string, string | null> = {};
  const declared = (s.environment as Record<string, string | null> | undefined) ?? {};
  // Inside env files, ${X} looks at the project env, then the service's environment, then the
  // env files read before (compose-go WithServicesEnvironmentResolved).
  const fileLookup: Lookup = (k) => c.lookup(k) ?? declared[k] ?? env[k] ?? undefined;
  if (Array.isArray(s.env_file)) {
    for (const [i, f] of (s.env_file as { path: string; required: boolean; format?: string }[]).entries()) {
      let vars: Record<string, string> | undefined;
      try {
        vars = c.readEnvFile(f.path, f.format === 'raw', fileLookup);
      } catch (e) {
        c.problems.push({ keyPath: `${path}.env_file[${i}]`, message: `${f.path}: ${(e as Error).message}` });
        continue;
      }
      if (vars === undefined) {
        if (f.required) c.problems.push({ keyPath: `${path}.env_file[${i}]`, message: `env file ${f.path} not found` });
        continue;
      }
      Object.assign(env, vars);
    }
  }
  for (const [k, val] of Object.entries(declared)) {
    env[k] = val === null ? (c.lookup(k) ?? null) : val;
  }
  s.environment = env;
  // docker compose discards env_file once it is resolved into environment (WithDiscardEnvFile):
  // config does not print it and nothing downstream needs it.
  delete s.env_file;
  // label_file: dotenv-format files under `labels` (labels win), read then discarded like env_file.
  if (Array.isArray(s.label_file)) {
    const fromFiles: Record<string, string> = {};
    (s.label_file as string[]).forEach((f, i) => {
      let vars: Record<string, string> | undefined;
      try {
        vars = c.readEnvFile(f, false, (k) => fromFiles[k]);
      } catch (e) {
        c.problems.push({ keyPath: `${path}.label_file[${i}]`, message: `${f}: ${(e as Error).message}` });
        return;
      }
      if (vars === undefined) c.problems.push({ keyPath: `${path}.label_file[${i}]`, message: `label file ${f} not found` });
      else Object.assign(fromFiles, vars);
    });
    s.labels = { ...fromFiles, ...((s.labels as Obj | undefined) ?? {}) };
    delete s.label_file;
  }
  s.labels ??= {};
  s.depends_on ??= {};
  return s;
};

export const defaultRules: Record<string, Rule> = {
  'services.*': defaultService,
  'networks.*': scopedName,
  'volumes.*': scopedName,
  'secrets.*': scopedName,
  'configs.*': scopedName,
};
const rules = compile(defaultRules);

export function applyDefaults(tree: Obj, c: DefaultsContext): Obj {
  const out: Obj = { ...tree };
  for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    const sec = isObj(tree[section]) ? (tree[section] as Obj) : {};
    const next: Obj = {};
    for (const [k, v] of Object.entries(sec)) {
      const r = lookup(rules, [section, k]);
      next[k] = r ? r(v, c, k, `${section}.${k}`) : v;
    }
    out[section] = next;
  }
  // The implicit `default` network exists only when some service is attached to it.
  const services = out.services as Obj;
  const usesDefault = Object.values(services).some((s) => isObj(s) && isObj(s.networks) && 'default' in s.networks);
  const nets = out.networks as Obj;
  if (usesDefault && !('default' in nets)) nets.default = scopedName({}, c, 'default');
  return out;
}

/**
 * Dependencies a service has without saying so (compose-go normalize): links, `service:` in
 * network_mode/ipc/pid/uts/cgroup, and volumes_from each add a depends_on entry unless one exists.
 * Applied to the merged tree before profiles, so a disabled one is reported like any dependency.
 */
export function addImplicitDependsOn(services: Obj): void {
  for (const s of Object.values(services)) {
    if (!isObj(s)) continue;
    const deps: Obj = isObj(s.depends_on) ? { ...s.depends_on } : {};
    const add = (name: string, restart: boolean) => {
      if (name && !(name in deps)) deps[name] = { condition: 'service_started', restart, required: true };
    };
    if (Array.isArray(s.links)) for (const l of s.links) add(String(l).split(':')[0]!, true);
    for (const ns of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
      const ref = s[ns];
      if (typeof ref === 'string' && ref.startsWith('service:')) add(ref.slice('service:'.length), true);
    }
    if (Array.isArray(s.volumes_from)) {
      for (const v of s.volumes_from) if (!String(v).startsWith('container:')) add(String(v).split(':')[0]!, false);
    }
    if (Object.keys(deps).length) s.depends_on = deps;
  }
}
