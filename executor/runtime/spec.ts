// Normalized service + image config → OCI runtime spec (pure). Docker's defaults are the
// reference: its default mounts, devices, masked and read-only paths, capability set, and its
// rules for merging command/entrypoint/env/working dir/user with the image config.
// Everything that needs the host (volume dirs, device numbers, host limits, /etc/passwd text)
// comes in through SpecInput, so this is tested without root.
import { posix } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import type { Service, ServiceVolume } from '../../schema/model.ts';
import type { OciDevice, OciMount, OciSpec } from './oci.ts';
import { resolveUser } from './user.ts';
import { ociCapabilities } from '../security/capabilities.ts';
import { securityOf, type Security } from '../security/security.ts';

/** The image config fields we use (OCI image config `.config`). */
export interface ImageConfig {
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Volumes?: Record<string, unknown> | null;
}

export interface SpecInput {
  id: string;
  /** Container name, for messages. */
  name: string;
  service: Service;
  image: ImageConfig;
  /** Absolute path of the container's root filesystem (the merged overlay dir). */
  rootfs: string;
  /** The container's /etc/passwd and /etc/group text (readContainerEtc), for `user` and `group_add`. */
  etc?: { passwd: string; group: string };
  /** Compose volume key as written in the service's `volumes[].source` → host dir to mount. */
  volumes?: Record<string, string>;
  /** Anonymous volumes: container target → host dir (also the image's `Volumes`). */
  anonymousVolumes?: Record<string, string>;
  /** Mounts of the containers named in `volumes_from`, with their mode. */
  volumesFrom?: { mounts: OciMount[]; readOnly: boolean }[];
  /** Namespaces to join instead of creating (`pid: service:x` → /proc/PID/ns/pid, netns file, …). */
  namespacePaths?: { pid?: string; ipc?: string; uts?: string; network?: string };
  /** Host device path → its type and numbers (host.ts statDevices). */
  devices?: Record<string, { type: 'c' | 'b'; major: number; minor: number }>;
  /** For privileged: true, the host's devices (host.ts hostDevices); docker gives them all. */
  hostDevices?: { path: string; type: 'c' | 'b'; major: number; minor: number }[];
  /** Host hard limits by ulimit name (`nofile` → 20000); a ulimit above one is an error. */
  hostHardLimits?: Record<string, number>;
  /**
   * executor/security's securityOf(service): capabilities, no_new_privs, the seccomp profile
   * (into linux.seccomp; launch compiles it), systempaths. When absent it is computed here with
   * the same rules; only a custom seccomp profile file (`seccomp=PATH`) needs the caller's.
   */
  security?: Security;
  /** Host path of a static init (tini-static) for `init: true`. */
  initPath?: string;
  onWarning?: (message: string) => void;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEFAULT_DEVICES: OciDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
].map((d) => ({ ...d, type: d.type as 'c', fileMode: 0o666, uid: 0, gid: 0 }));

const SHM_DEFAULT = 64 * 1024 * 1024;
export const INIT_TARGET = '/sbin/docker-init';

export function buildSpec(input: SpecInput): OciSpec {
  const s = input.service;
  const fail = (key: string, msg: string, hint?: string): never => {
    throw new TscError('SPEC', `Service container "${input.name}": ${key}: ${msg}`, hint ? { hint } : {});
  };
  const privileged = s.privileged === true;
  let sec: Security;
  try {
    sec = input.security ?? securityOf(s, {
      name: input.name, projectDir: '/',
      readFile: (p) => { throw new TscError('SPEC', `a custom seccomp profile (${p}) needs SpecInput.security`); },
    });
  } catch (e) {
    return fail('security_opt', e instanceof Error ? e.message : String(e));
  }
  const unconfinedPaths = privileged || sec.systemPathsUnconfined;
  const hostNet = s.network_mode === 'host';

  // user first: HOME in the environment depends on it.
  const userSpec = s.user ?? input.image.User ?? '';
  let user;
  try {
    user = resolveUser(userSpec, s.group_add, input.etc?.passwd ?? '', input.etc?.group ?? '');
  } catch (e) {
    return fail('user', e instanceof Error ? e.message : String(e));
  }
  // With the host's UTS namespace a hostname would rename the host itself: none is set then.
  const hostUts = s.uts === 'host';
  if (hostUts && s.hostname) fail('hostname', 'cannot be set with uts: host (it would rename the host)');
  const hostname = hostUts ? undefined : (s.hostname ?? input.id.slice(0, 12));

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: s.tty === true,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: processArgs(s, input.image),
      env: processEnv(s, input.image, hostname ?? '', user.home),
      cwd: s.working_dir || input.image.WorkingDir || '/',
      capabilities: ociCapabilities(sec.capabilities),
      rlimits: rlimits(s, input.hostHardLimits, fail),
      noNewPrivileges: sec.noNewPrivileges,
      ...(s.oom_score_adj !== undefined ? { oomScoreAdj: s.oom_score_adj } : {}),
    },
    root: { path: input.rootfs, readonly: s.read_only === true },
    ...(hostname ? { hostname } : {}),
    ...(s.domainname && !hostUts ? { domainname: s.domainname } : {}),
    mounts: [],
    linux: {
      namespaces: namespaces(s, input.namespacePaths),
      devices: withoutDuplicates([...DEFAULT_DEVICES, ...(privileged ? (input.hostDevices ?? []).map((d) => ({ ...d, fileMode: 0o660, uid: 0, gid: 0 })) : []), ...userDevices(s, input.devices, fail)]),
      sysctl: sysctls(s.sysctls, hostNet, s.ipc === 'host', fail),
      maskedPaths: unconfinedPaths ? [] : MASKED_PATHS,
      readonlyPaths: unconfinedPaths ? [] : READONLY_PATHS,
      rootfsPropagation: 'rprivate',
      ...(sec.seccomp ? { seccomp: sec.seccomp } : {}),
    },
    annotations: {
      ...(s.stdin_open ? { 'tscompose.stdin-open': 'true' } : {}),
      'tscompose.seccomp': sec.seccomp ? 'default' : 'unconfined',
    },
  };
  for (const w of sec.warnings) input.onWarning?.(w);
  if (spec.process.args.length === 0) {
    fail('command', 'no command to run', 'set command or entrypoint, or use an image with a Cmd');
  }
  spec.mounts = [...standardMounts(s, privileged), ...volumeMounts(input, fail)];
  if (s.init) {
    if (!input.initPath) fail('init', 'no init binary available', 'install tini (scripts/install)');
    spec.mounts.push({ destination: INIT_TARGET, type: 'bind', source: input.initPath!, options: ['bind', 'ro', 'nosuid', 'nodev'] });
    spec.process.args = [INIT_TARGET, '--', ...spec.process.args];
  }
  return spec;
}

/** Docker's rule: an entrypoint set by the service drops the image's Cmd as well. */
export function processArgs(s: Service, image: ImageConfig): string[] {
  const entrypoint = s.entrypoint !== undefined ? (s.entrypoint ?? []) : (image.Entrypoint ?? []);
  let cmd: string[];
  if (s.command !== undefined) cmd = s.command ?? [];
  else if (s.entrypoint !== undefined) cmd = [];
  else cmd = image.Cmd ?? [];
  return [...entrypoint, ...cmd];
}

/** Image Env, then the service's environment; PATH, HOSTNAME, HOME (and TERM with a tty) as docker sets them. */
export function processEnv(s: Service, image: ImageConfig, hostname: string, home: string): string[] {
  const env = new Map<string, string>();
  const put = (k: string, v: string) => env.set(k, v); // an override keeps the key's first position
  put('PATH', DEFAULT_PATH);
  if (hostname) put('HOSTNAME', hostname);
  for (const kv of image.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) put(kv.slice(0, i), kv.slice(i + 1));
  }
  // A null value means "from the shell environment" and was resolved (or left unset) by the loader.
  for (const [k, v] of Object.entries(s.environment ?? {})) if (v !== null) put(k, v);
  if (!env.has('HOME')) put('HOME', home);
  if (s.tty && !env.has('TERM')) put('TERM', 'xterm');
  return [...env].map(([k, v]) => `${k}=${v}`);
}

type Fail = (key: string, msg: string, hint?: string) => never;

function rlimits(s: Service, hostHard: Record<string, number> | undefined, fail: Fail) {
  const out: { type: string; hard: number; soft: number }[] = [];
  for (const name of Object.keys(s.ulimits ?? {}).sort()) {
    const u = s.ulimits![name]!;
    if (u.soft > u.hard) fail(`ulimits.${name}`, `soft limit ${u.soft} is above the hard limit ${u.hard}`);
    const max = hostHard?.[name];
    if (max !== undefined && u.hard > max) {
      fail(`ulimits.${name}`, `hard limit ${u.hard} is above the host's hard limit ${max}`, `lower it to at most ${max}, or raise the host limit`);
    }
    out.push({ type: `RLIMIT_${name.toUpperCase()}`, hard: u.hard, soft: u.soft });
  }
  return out;
}

function namespaces(s: Service, paths: SpecInput['namespacePaths'] = {}): OciSpec['linux']['namespaces'] {
  const ns: OciSpec['linux']['namespaces'] = [{ type: 'mount' }];
  const mode = (v: string | undefined, type: 'pid' | 'ipc' | 'uts' | 'network') => {
    if (v === 'host') return; // the host's own: no namespace entry
    const path = paths[type];
    ns.push(path ? { type, path } : { type });
  };
  mode(s.pid, 'pid');
  mode(s.ipc, 'ipc');
  mode(s.uts, 'uts');
  mode(s.network_mode, 'network');
  ns.push({ type: 'cgroup' });
  return ns;
}

// Namespaced sysctls docker accepts (moby daemon/oci_linux.go + runc's validator).
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

function sysctls(v: Record<string, string> | undefined, hostNet: boolean, hostIpc: boolean, fail: Fail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(v ?? {}).sort()) {
    const val = String(v![k]);
    if (IPC_SYSCTLS.has(k) || k.startsWith('fs.mqueue.')) {
      if (hostIpc) fail(`sysctls.${k}`, 'IPC sysctls cannot be set with ipc: host (they would change the host)');
      out[k] = val;
    }
    else if (k.startsWith('net.')) {
      if (hostNet) fail(`sysctls.${k}`, 'network sysctls cannot be set with network_mode: host (they would change the host)');
      out[k] = val;
    } else {
      fail(`sysctls.${k}`, 'not a namespaced sysctl: setting it would change the host', 'only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* can be set per container');
    }
  }
  return out;
}

/** Later entries for the same path win (a `devices:` mapping over a privileged host device). */
function withoutDuplicates(devs: OciDevice[]): OciDevice[] {
  const m = new Map<string, OciDevice>();
  for (const d of devs) { m.delete(d.path); m.set(d.path, d); }
  return [...m.values()];
}

function userDevices(s: Service, info: SpecInput['devices'], fail: Fail): OciDevice[] {
  return (s.devices ?? []).map((d) => {
    const i = info?.[d.source];
    if (!i) return fail('devices', `"${d.source}" is not a device on this host`);
    return { path: d.target, type: i.type, major: i.major, minor: i.minor, fileMode: 0o666, uid: 0, gid: 0 };
  });
}

function standardMounts(s: Service, privileged: boolean): OciMount[] {
  const shm = s.shm_size ?? SHM_DEFAULT;
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
  ];
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

function volumeMounts(input: SpecInput, fail: Fail): OciMount[] {
  const out: OciMount[] = [];
  const taken = new Set<string>();
  const add = (m: OciMount) => { out.push(m); taken.add(posix.normalize(m.destination)); };
  for (const v of input.service.volumes ?? []) {
    if (!posix.isAbsolute(v.target)) fail('volumes', `target "${v.target}" must be an absolute path`);
    add(volumeMount(v, input, fail));
  }
  for (const t of input.service.tmpfs ?? []) add(tmpfsString(t));
  for (const from of input.volumesFrom ?? []) {
    for (const m of from.mounts) {
      if (taken.has(posix.normalize(m.destination))) continue; // the service's own volume wins, as docker
      const opts = (m.options ?? []).filter((o) => o !== 'ro' && o !== 'rw');
      add({ ...m, options: [...opts, from.readOnly ? 'ro' : 'rw'] });
    }
  }
  // Image VOLUMEs nobody mounted become anonymous volumes.
  for (const [target, dir] of Object.entries(input.anonymousVolumes ?? {})) {
    if (taken.has(posix.normalize(target))) continue;
    add({ destination: target, type: 'bind', source: dir, options: ['rbind', 'rprivate'] });
  }
  return out;
}

function volumeMount(v: ServiceVolume, input: SpecInput, fail: Fail): OciMount {
  const ro = v.read_only ? 'ro' : 'rw';
  switch (v.type) {
    case 'bind': {
      if (!v.source || !posix.isAbsolute(v.source)) return fail('volumes', `bind source for "${v.target}" must be an absolute host path`);
      const prop = v.bind?.propagation ?? 'rprivate';
      if (!PROPAGATIONS.has(prop)) fail('volumes', `unknown propagation "${prop}" for "${v.target}"`);
      return { destination: v.target, type: 'bind', source: v.source, options: ['rbind', ro, prop] };
    }
    case 'volume': {
      const dir = v.source ? input.volumes?.[v.source] : input.anonymousVolumes?.[v.target];
      if (!dir) return fail('volumes', v.source ? `volume "${v.source}" is not prepared` : `anonymous volume at "${v.target}" is not prepared`);
      const sub = v.volume?.subpath;
      if (sub && (posix.isAbsolute(sub) || posix.normalize(sub).startsWith('..'))) fail('volumes', `subpath "${sub}" must stay inside the volume`);
      return { destination: v.target, type: 'bind', source: sub ? posix.join(dir, sub) : dir, options: ['rbind', ro, 'rprivate'] };
    }
    case 'tmpfs': {
      const opts = ['nosuid', 'nodev', ro];
      if (v.tmpfs?.size !== undefined) opts.push(`size=${v.tmpfs.size}`);
      if (v.tmpfs?.mode !== undefined) opts.push(`mode=${v.tmpfs.mode.toString(8)}`);
      return { destination: v.target, type: 'tmpfs', source: 'tmpfs', options: opts };
    }
    default:
      return fail('volumes', `volume type "${v.type}" is not supported`);
  }
}

/** `tmpfs: ["/run", "/tmp:size=10m,mode=1777"]` → a tmpfs mount (docker's --tmpfs defaults: noexec,nosuid,nodev). */
export function tmpfsString(t: string): OciMount {
  const i = t.indexOf(':');
  const target = i < 0 ? t : t.slice(0, i);
  const extra = i < 0 ? [] : t.slice(i + 1).split(',').filter(Boolean);
  const opts = ['nosuid', 'nodev', 'noexec', ...extra.map(normalizeSize)];
  return { destination: target, type: 'tmpfs', source: 'tmpfs', options: opts };
}

/** tmpfs takes k/m/g suffixes itself; docker also accepts "10mb"-style units. */
function normalizeSize(o: string): string {
  const m = /^size=(\d+)([kmg])b?$/i.exec(o);
  return m ? `size=${m[1]}${m[2]!.toLowerCase()}` : o;
}
