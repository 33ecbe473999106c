// OCI runtime spec → the helper's compact spec (pure). The helper reads a flat list of
// NUL-terminated tokens, each record a keyword with a fixed number of arguments (see
// native/helper.c parse_spec); this file is the one place that knows that format, so the C side
// never parses JSON and stays a few hundred lines.
import { TscError } from '../../schema/errors.ts';
import type { OciDevice, OciMount, OciSpec } from './oci.ts';

export interface CompactOptions {
  /** Prepared network namespace to join (overrides the spec's network namespace path). */
  netnsPath?: string;
  /** cgroup.procs files the helper writes the container's PID into before releasing it. */
  cgroupProcs: string[];
  logFile?: string;
  logMaxSize?: number;
  logMaxFiles?: number;
  exitFile?: string;
  /** File with an `oom_kill N` line (v1 memory.oom_control, v2 memory.events). */
  oomFile?: string;
  /** FIFO the container waits on before execve (OCI create → start). */
  gate?: string;
  /** Classic BPF program (struct sock_filter array) to install before execve. */
  seccomp?: Uint8Array;
  /** seccomp(2) SECCOMP_FILTER_FLAG_* bits for it. */
  seccompFlags?: number;
  /** The helper's fd holding the caller's stdin (`run -i`): the container's stdin, or with a tty copied into it. */
  stdinFd?: number;
  /** The helper's fd holding the caller's stdout (`run -t`): gets the pty's raw output too. */
  ttyOutFd?: number;
}

// <sys/mount.h> flag values (x86_64, the same on every Linux architecture).
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128,
  NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, REC: 16384, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18,
  SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21, STRICTATIME: 1 << 24,
} as const;

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  dirsync: MS.DIRSYNC, mand: MS.MANDLOCK, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME,
  bind: MS.BIND, rbind: MS.BIND | MS.REC, relatime: MS.RELATIME, strictatime: MS.STRICTATIME, remount: MS.REMOUNT,
};
const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS, nomand: MS.MANDLOCK,
  atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME,
};
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
// Options that only the engine interprets (docker/podman extensions); the kernel must not see them.
const ENGINE_ONLY = new Set(['z', 'Z', 'nocopy', 'copy', 'tmpcopyup', 'notmpcopyup', 'create_host_path']);

/** Mount options as the kernel wants them: flags, propagation flags and the data string. */
export function mountFlags(m: OciMount): { flags: number; prop: number; data: string } {
  let flags = 0;
  let prop = 0;
  const data: string[] = [];
  for (const o of m.options ?? []) {
    if (o in SET) flags |= SET[o]!;
    else if (o in CLEAR) flags &= ~CLEAR[o]!;
    else if (o in PROPAGATION) prop = PROPAGATION[o]!;
    else if (!ENGINE_ONLY.has(o)) data.push(o);
  }
  // `type: bind` without a bind option still means a bind mount (as crun and runc read it).
  if (m.type === 'bind' && !(flags & MS.BIND)) flags |= MS.BIND | MS.REC;
  return { flags, prop, data: data.join(',') };
}

export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Capability names → the 64-bit mask the kernel uses, as hex. Unknown names are an error. */
export function capMask(names: string[] | undefined): string {
  let m = 0n;
  for (const n of names ?? []) {
    const bit = (CAPABILITIES as readonly string[]).indexOf(n.toUpperCase().startsWith('CAP_') ? n.toUpperCase() : `CAP_${n.toUpperCase()}`);
    if (bit < 0) throw new TscError('SPEC', `Unknown capability "${n}"`);
    m |= 1n << BigInt(bit);
  }
  return m.toString(16);
}

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

/** A JSON number at or beyond 2^63 can only mean "unlimited" (RLIM_INFINITY loses precision in JSON). */
function rlimValue(v: number): string {
  return v < 0 || v >= 2 ** 63 ? '18446744073709551615' : String(Math.trunc(v));
}

const NS_NAME: Record<string, string> = { mount: 'mnt', pid: 'pid', uts: 'uts', ipc: 'ipc', network: 'net', cgroup: 'cgroup' };

/** Symlinks every container's /dev has (runc and crun add them the same way). */
const DEV_LINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'], ['pts/ptmx', '/dev/ptmx'], ['/proc/kcore', '/dev/core'],
];

const STANDARD_DEVICES: OciDevice[] = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7], ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
].map(([path, major, minor]) => ({ path: path as string, type: 'c', major: major as number, minor: minor as number, fileMode: 0o666, uid: 0, gid: 0 }));

/** Tokens for `tscompose-helper run`. */
export function compactRun(spec: OciSpec, o: CompactOptions): string[] {
  const t: string[] = ['rootfs', spec.root.path];
  for (const ns of spec.linux.namespaces) {
    if (ns.type === 'user') throw new TscError('SPEC', 'User namespaces are not supported yet');
    const name = NS_NAME[ns.type]!;
    const path = ns.type === 'network' && o.netnsPath ? o.netnsPath : (ns.path ?? '');
    t.push('ns', name, path);
  }
  let devTmpfs = false;
  for (const m of spec.mounts) {
    if (m.type === 'cgroup' || m.type === 'cgroup2') continue; // not mounted by our helper (documented)
    const { flags, prop, data } = mountFlags(m);
    t.push('mount', m.source ?? m.type ?? 'none', m.destination, flags & MS.BIND ? '' : (m.type ?? ''), String(flags), String(prop), data);
    if (m.destination === '/dev' && m.type === 'tmpfs') devTmpfs = true;
  }
  // OCI runtimes always provide the standard nodes in a tmpfs /dev, listed in the spec or not.
  const devices = [...(spec.linux.devices ?? [])];
  if (devTmpfs) for (const d of STANDARD_DEVICES) if (!devices.some((x) => x.path === d.path)) devices.push(d);
  for (const d of devices) {
    t.push('dev', d.path, d.type === 'u' ? 'c' : d.type, String(d.major ?? 0), String(d.minor ?? 0),
      String(d.fileMode ?? 0o666), String(d.uid ?? 0), String(d.gid ?? 0));
  }
  if (devTmpfs) for (const [target, path] of DEV_LINKS) t.push('link', target, path);
  for (const [k, v] of Object.entries(spec.linux.sysctl ?? {})) t.push('sysctl', k, v);
  for (const p of spec.linux.maskedPaths ?? []) t.push('mask', p);
  for (const p of spec.linux.readonlyPaths ?? []) t.push('ropath', p);
  if (spec.root.readonly) t.push('readonly');
  if (spec.hostname) t.push('hostname', spec.hostname);
  if (spec.domainname) t.push('domainname', spec.domainname);
  for (const r of spec.process.rlimits ?? []) {
    const res = RLIMITS[r.type];
    if (res === undefined) throw new TscError('SPEC', `Unknown rlimit "${r.type}"`);
    t.push('rlimit', String(res), rlimValue(r.soft), rlimValue(r.hard));
  }
  if (spec.process.oomScoreAdj !== undefined) t.push('oomscore', String(spec.process.oomScoreAdj));
  for (const f of o.cgroupProcs) t.push('cgroup', f);
  if (o.logFile) t.push('log', o.logFile, String(o.logMaxSize ?? 0), String(o.logMaxFiles ?? 1));
  if (o.exitFile) t.push('exitfile', o.exitFile);
  if (o.oomFile) t.push('oomfile', o.oomFile);
  if (o.gate) t.push('gate', o.gate);
  if (spec.annotations?.['tscompose.stdin-open'] === 'true') t.push('stdin');
  if (o.stdinFd !== undefined) t.push('stdinfd', String(o.stdinFd));
  if (o.ttyOutFd !== undefined) t.push('ttyout', String(o.ttyOutFd));
  return [...t, ...processTokens(spec.process, o.seccomp, o.seccompFlags)];
}

/** Tokens for `tscompose-helper exec`: join the running container `pid`, then the process part. */
export function compactExec(pid: number, cgroupProcs: string[], proc: OciSpec['process'], seccomp?: Uint8Array, seccompFlags?: number): string[] {
  const t = ['pid', String(pid)];
  for (const f of cgroupProcs) t.push('cgroup', f);
  return [...t, ...processTokens(proc, seccomp, seccompFlags)];
}

function processTokens(p: OciSpec['process'], seccomp?: Uint8Array, seccompFlags?: number): string[] {
  // Always set the identity, root too: otherwise the host's supplementary groups leak in.
  const t = ['user', String(p.user.uid), String(p.user.gid)];
  if (p.terminal) t.push('tty');
  for (const g of p.user.additionalGids ?? []) t.push('group', String(g));
  const c = p.capabilities;
  if (c) t.push('caps', capMask(c.bounding), capMask(c.effective), capMask(c.permitted), capMask(c.inheritable), capMask(c.ambient));
  if (p.noNewPrivileges) t.push('nnp');
  if (seccomp && seccomp.length) {
    if (seccomp.length % 8 !== 0) throw new TscError('SPEC', `A seccomp program is a list of 8-byte instructions, got ${seccomp.length} bytes`);
    t.push('seccomp', Buffer.from(seccomp).toString('hex'));
    if (seccompFlags) t.push('seccompflags', String(seccompFlags));
  }
  if (p.cwd) t.push('cwd', p.cwd);
  for (const e of p.env) t.push('env', e);
  if (p.args.length === 0) throw new TscError('SPEC', 'The container has no command: set command or entrypoint, or use an image with Cmd');
  for (const a of p.args) t.push('arg', a);
  return t;
}

/** Tokens → the bytes the helper reads. A NUL inside a value would split it, so it is refused. */
export function encodeTokens(tokens: string[]): Buffer {
  for (const tok of tokens) {
    if (tok.includes('\0')) throw new TscError('SPEC', `A value contains a NUL byte: ${JSON.stringify(tok.slice(0, 40))}`);
  }
  return Buffer.from(tokens.map((x) => x + '\0').join(''), 'utf8');
}
