// One RUN step in a real container of our runtime: overlay rootfs (lower = the parent's layers,
// upper = this step's changes), a cgroup under tscompose/<project>/, a network namespace (none: lo
// only; host: the host's; default: a netns attached to the build network through netmgr), the
// stage's env, user, workdir and shell. Output is streamed line by line from the waiter's log.
// Everything made here is undone by `dispose()` (also after a failure or an abort); the upper dir
// stays until then so the caller can archive it.
import { mkdirSync, openSync, readSync, closeSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ImageStore } from '../image/store.ts';
import type { Service, ServiceVolume } from '../../schema/model.ts';
import { mountRootfs, removeRootfs, rootfsPaths, unmountRootfs } from '../rootfs/rootfs.ts';
import { buildSpec, launch, waitExit, waiterGone } from '../runtime/runtime.ts';
import { readContainerEtc } from '../runtime/etc-files.ts';
import { makeDirIn } from './copy.ts';
import { detectCgroupDriver, type CgroupHandle } from '../cgroup/driver.ts';

export interface RunStep {
  argv: string[];
  /** K=V, the stage's env with the build args under it. */
  env: string[];
  user: string;
  workdir: string;
  network: 'default' | 'none' | 'host';
  shmSize?: number;
  extraHosts?: string[];
  /** Host dir → container target (RUN --mount=type=cache). */
  binds: { source: string; target: string; readOnly?: boolean; file?: boolean }[];
  /** RUN --mount=type=tmpfs. */
  tmpfs?: { target: string; size?: number }[];
  /** cgroup parent `tscompose/<project>/`. */
  project: string;
  /** For errors: `build-web`. */
  name: string;
}

export interface RunOutcome {
  code: number;
  signal: number | null;
  /** Last lines of output, for the error message. */
  tail: string[];
  upperDir: string;
  dispose(): Promise<void>;
}

const TAIL_LINES = 20;
/** `{project, id}` of a RUN step's container, in its step dir. */
export const STEP_RECORD = 'step.json';
export const BUILD_HOSTNAME = 'buildkitsandbox';

export function hostsFile(extraHosts: string[] = []): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `127.0.0.1\t${BUILD_HOSTNAME}`];
  for (const h of extraHosts) {
    const i = h.indexOf(':');
    const name = h.slice(0, i), ip = h.slice(i + 1).replace(/^\[|\]$/g, '');
    if (i > 0 && ip) lines.push(`${ip}\t${name}`);
  }
  return lines.join('\n') + '\n';
}

function hostResolvConf(): string {
  try { return readFileSync('/etc/resolv.conf', 'utf8'); } catch { return ''; }
}

export async function runStep(o: { store: ImageStore; layerDirs: string[]; step: RunStep; signal?: AbortSignal | undefined;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void }): Promise<RunOutcome> {
  const id = randomBytes(32).toString('hex');
  const dir = join(o.store.root, 'tmp', `build-${process.pid}-${id.slice(0, 12)}`);
  const s = o.step;
  const undo: (() => Promise<void> | void)[] = [];
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    const errors: unknown[] = [];
    for (const u of undo.reverse()) {
      try { await u(); } catch (e) { errors.push(e); }
    }
    rmSync(dir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  };
  try {
    mkdirSync(dir, { recursive: true });
    // What a sweep needs to end this step's container if this process dies (sweep.ts).
    writeFileSync(join(dir, STEP_RECORD), JSON.stringify({ project: s.project, id, network: s.network }));
    undo.push(() => removeRootfs(dir));
    const resolv = s.network === 'none' ? '' : hostResolvConf();
    const { merged } = await mountRootfs({
      containerDir: dir, layerDirs: o.layerDirs,
      initFiles: { '/etc/hosts': hostsFile(s.extraHosts), '/etc/hostname': `${BUILD_HOSTNAME}\n`, '/etc/resolv.conf': resolv },
      // Mount targets are stubbed in the init layer (a lower dir), so they never land in the step's layer.
      mountPoints: [...s.binds.filter((b) => !b.file).map((b) => b.target), ...(s.tmpfs ?? []).map((t) => t.target)],
      fileMountPoints: s.binds.filter((b) => b.file).map((b) => b.target),
    });
    // The working dir is made when missing (docker's WORKDIR does), owned by root.
    if (s.workdir && s.workdir !== '/') makeDirIn(merged, s.workdir);

    let netnsPath: string | undefined;
    if (s.network === 'default') netnsPath = await buildNetns(id, s.name, undo);

    const driver = detectCgroupDriver();
    const handle: CgroupHandle = driver.create(s.project, id, {} as never);
    let launched = false;
    undo.push(async () => {
      await driver.killAll(handle);
      if (launched) await waiterGone(dir);
      await driver.remove(handle);
    });

    const volumes: ServiceVolume[] = [
      ...s.binds.map((b): ServiceVolume => ({ type: 'bind', source: b.source, target: b.target, ...(b.readOnly ? { read_only: true } : {}) })),
      ...(s.tmpfs ?? []).map((t): ServiceVolume => ({ type: 'tmpfs', target: t.target, ...(t.size ? { tmpfs: { size: t.size } } : {}) })),
    ];
    const environment: Record<string, string> = {};
    for (const kv of s.env) {
      const i = kv.indexOf('=');
      if (i > 0) environment[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const service: Service = {
      image: 'build', environment, labels: {}, depends_on: {},
      command: s.argv, entrypoint: null as never, user: s.user || '0', working_dir: s.workdir || '/',
      hostname: BUILD_HOSTNAME, volumes,
      network_mode: s.network === 'host' ? 'host' : 'none',
      ...(s.shmSize ? { shm_size: s.shmSize } : {}),
    } as Service;
    const spec = buildSpec({
      id, name: s.name, service, image: {}, rootfs: merged,
      etc: { passwd: readContainerEtc(merged, 'passwd'), group: readContainerEtc(merged, 'group') },
      ...(netnsPath ? { namespacePaths: { network: netnsPath } } : {}),
    });
    if (o.signal?.aborted) throw o.signal.reason;
    launched = true; // from here on the waiter may exist, even if launch throws half-way
    await launch({ id, name: s.name, spec, containerDir: dir, cgroupProcs: driver.procsFiles(handle), ...(netnsPath ? { netnsPath } : {}) });

    const tail: string[] = [];
    const tailer = new LogTailer(join(dir, 'log'), (stream, line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      o.onLine?.(stream, line);
    });
    const timer = setInterval(() => tailer.poll(), 100);
    const onAbort = () => { void driver.killAll(handle).catch(() => undefined); };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort(); // aborted while launching
    let exit;
    try {
      exit = await waitExit(dir);
    } finally {
      clearInterval(timer);
      o.signal?.removeEventListener('abort', onAbort);
      tailer.poll(true);
    }
    // Background processes a RUN left behind die with the step (docker's RUN does the same).
    await driver.killAll(handle);
    await waiterGone(dir);
    if (o.signal?.aborted) throw o.signal.reason;
    // The rootfs goes now; the upper dir stays for the caller to archive.
    await unmountRootfs(dir);
    return { code: exit.code, signal: exit.signal, tail, upperDir: rootfsPaths(dir).upper, dispose };
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
}

export const BUILD_NET = 'tscompose_build';
let netUsers = 0;
let netReady: Promise<void> | undefined;

/**
 * Holds the build network (`tscompose_build`, netmgr project `tscompose`) for a build: made on
 * first use, removed when the last build of this process lets go, so the RUNs of one build share
 * one bridge instead of making and deleting it per step.
 */
export async function acquireBuildNetwork(): Promise<() => Promise<void>> {
  netUsers++;
  const net = await import('../../netmgr/netmgr.ts');
  netReady ??= (async () => {
    net.ensureRunDirs();
    await net.ensureNetwork('tscompose', 'build', { name: BUILD_NET, driver: 'bridge' } as never);
  })();
  try {
    await netReady;
  } catch (e) {
    netReady = undefined;
    netUsers--;
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--netUsers > 0) return;
    netReady = undefined;
    await net.removeNetwork(BUILD_NET, { project: 'tscompose' });
  };
}

/** A netns for a RUN on the build network (`default`): what a machine with internet needs for apt-get. */
async function buildNetns(id: string, name: string, undo: (() => Promise<void> | void)[]): Promise<string> {
  const net = await import('../../netmgr/netmgr.ts');
  const release = await acquireBuildNetwork();
  undo.push(release);
  const netns = net.createNetns(id);
  undo.push(() => net.removeNetns(id));
  await net.attach(netns, { id, name, service: 'build', aliases: [], hostname: BUILD_HOSTNAME }, [{ network: { name: BUILD_NET }, cfg: null }]);
  undo.push(() => net.detach(id));
  return netns;
}

/** Follows a CRI-format log file (`<time> <stream> <F|P> <text>`), calling back per complete line. */
class LogTailer {
  private pos = 0;
  private rest = '';
  private partial: Record<string, string> = {};
  private readonly file: string;
  private readonly cb: (stream: 'stdout' | 'stderr', line: string) => void;
  constructor(file: string, cb: (stream: 'stdout' | 'stderr', line: string) => void) { this.file = file; this.cb = cb; }

  poll(final = false): void {
    if (!existsSync(this.file)) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.pos);
        if (n <= 0) break;
        this.pos += n;
        this.rest += buf.subarray(0, n).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    if (final && this.rest) { lines.push(this.rest); this.rest = ''; }
    for (const l of lines) {
      const m = /^\S+ (stdout|stderr) ([FP]) ?(.*)$/.exec(l);
      if (!m) continue;
      const stream = m[1] as 'stdout' | 'stderr';
      const text = (this.partial[stream] ?? '') + m[3];
      if (m[2] === 'P') { this.partial[stream] = text; continue; }
      this.partial[stream] = '';
      this.cb(stream, text);
    }
  }
}
