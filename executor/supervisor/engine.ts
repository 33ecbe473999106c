// The real Engine: the supervisor's ports (ports.ts) wired to the parts as docs/contracts.md
// describes them. Each part is imported lazily, so a command that needs only some of them
// (`ps`, `logs`) does not load the rest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine, ImageInfo } from './ports.ts';
import type { CgroupHandle, CgroupDriver } from '../cgroup/driver.ts';
import { readState } from '../state/journal.ts';
import { paths, runDir } from '../state/paths.ts';
import { ContainerError, TscError } from '../../schema/errors.ts';
import type { Service } from '../../schema/model.ts';

/** The dir of the project's container whose PID 1 is `pid` (callers know the pid, not always the id). */
export function containerDirOf(project: string, pid: number): string | undefined {
  const c = Object.values(readState(project).containers).find((x) => x.pid === pid);
  return c ? paths.container(c.id) : undefined;
}

export async function realEngine(project: string): Promise<Engine> {
  const [runtime, host, etc, cgroup, rootfs, volume, prepare, net, imageStore, vf, security] = await Promise.all([
    import('../runtime/runtime.ts'),
    import('../runtime/host.ts'),
    import('../runtime/etc-files.ts'),
    import('../cgroup/driver.ts'),
    import('../rootfs/rootfs.ts'),
    import('../volume/volume.ts'),
    import('../volume/prepare.ts'),
    import('../../netmgr/netmgr.ts'),
    import('../image/store.ts'),
    import('../runtime/volumes-from.ts'),
    import('../security/security.ts'),
  ]);
  let driver: CgroupDriver | undefined;
  const cg = () => (driver ??= cgroup.detectCgroupDriver());
  let store: ReturnType<typeof imageStore.openImageStore> | undefined;
  const images = () => (store ??= imageStore.openImageStore());
  const handleOf = (h: unknown, id?: string): CgroupHandle => (h as CgroupHandle | undefined) ?? cg().handle(project, id ?? '');
  return {
    clock: {
      now: () => Date.now(),
      sleep: async (ms, signal) => { await sleep(ms, undefined, signal ? { signal } : {}); },
    },
    images: {
      ensure: async (ref, policy) => (await images().ensure(ref, policy)) as unknown as ImageInfo,
    },
    rootfs: {
      mount: (o) => rootfs.mountRootfs(o),
      unmount: (dir) => rootfs.unmountRootfs(dir),
    },
    volumes: {
      ensure: async (name, v, proj) => volume.ensureVolume(name, { project: proj, ...(v?.labels ? { labels: v.labels } : {}) }).dir,
      prepare: (o) => prepare.prepareVolumes(o),
      anonymousName: () => volume.anonymousVolumeName(),
      remove: async (name) => { volume.removeVolume(name); },
    },
    cgroups: {
      resourcesOf: (s) => cgroup.resourcesOf(s),
      create: (p, id, r) => cg().create(p, id, r as Parameters<CgroupDriver['create']>[2]),
      procsFiles: (h) => cg().procsFiles(handleOf(h)),
      freeze: (h) => cg().freeze(handleOf(h)),
      thaw: (h) => cg().thaw(handleOf(h)),
      stats: (h) => {
        const s = cg().stats(handleOf(h));
        return { cpuUsageNs: s.cpuUsageNs, memoryBytes: s.memoryUsage, ...(s.memoryLimit !== undefined ? { memoryLimit: s.memoryLimit } : {}), pids: s.pidsCurrent };
      },
      oomKilled: (h) => cg().oomKilled(handleOf(h)),
      killAll: (h) => (h === undefined ? undefined : cg().killAll(handleOf(h))),
      remove: (p, id, h) => cg().remove((h as CgroupHandle | undefined) ?? cg().handle(p, id)),
      removeProject: (p) => cg().removeProject(p),
      pids: (h) => {
        const out = new Set<number>();
        for (const f of cg().procsFiles(handleOf(h))) {
          try { for (const l of readFileSync(f, 'utf8').split('\n')) if (l.trim()) out.add(Number(l)); } catch { /* gone */ }
        }
        return [...out].sort((a, b) => a - b);
      },
    },
    net: {
      createNetns: (id) => { net.ensureRunDirs(); return net.createNetns(id); },
      removeNetns: (id) => net.removeNetns(id),
      ensureNetwork: (p, key, n) => net.ensureNetwork(p, key, n),
      removeNetwork: (name) => net.removeNetwork(name, { project }),
      attach: async (ns, c, nets) => { await net.attach(ns, c, nets.map((n) => ({ network: n.network as { name: string }, cfg: n.cfg }))); },
      detach: (id) => net.detach(id),
      publish: (id, ports, ns) => net.publish(id, ports, ns),
      unpublish: (id) => net.unpublish(id),
      initFiles: (p, s, c) => net.initFiles(p, s, c),
      startDns: async () => {
        const { NameRegistry } = await import('../../netmgr/registry.ts');
        const reg = new NameRegistry().watchFiles();
        const dns = await net.startDns(reg, { onError: () => undefined });
        return { close: async () => { await dns.close(); reg.close(); } };
      },
    },
    runtime: {
      buildSpec: (req) => {
        const etcOf = { passwd: etc.readContainerEtc(req.rootfs, 'passwd'), group: etc.readContainerEtc(req.rootfs, 'group') };
        const init = host.initBinary();
        const s = req.service;
        const spec = runtime.buildSpec({
          id: req.id, name: req.name, service: s, image: req.image.config, rootfs: req.rootfs, etc: etcOf,
          volumes: req.volumes.volumes, anonymousVolumes: req.volumes.anonymousVolumes,
          ...(req.netnsPath ? { namespacePaths: { network: req.netnsPath } } : {}),
          devices: host.statDevices(s), hostHardLimits: host.hostHardLimits(),
          ...(s.privileged ? { hostDevices: host.hostDevices() } : {}),
          ...(s.volumes_from?.length ? { volumesFrom: volumesFromOf(project, req.name, s.volumes_from, vf) } : {}),
          // security_opt seccomp=PATH is read relative to the project dir (buildSpec alone cannot read files).
          security: securityFor(req.name, s, req.project.working_dir, security.securityOf),
          ...(init ? { initPath: init } : {}),
        });
        // pid/ipc `service:X` / `container:N`: the other container may be created but not yet
        // started, so its namespaces are found at launch (see launch below); the spec records whose.
        const joins = nsJoins(project, req.name, s);
        if (Object.keys(joins).length) {
          spec.annotations = { ...spec.annotations };
          for (const [type, otherId] of Object.entries(joins)) spec.annotations[`${NS_ANNOTATION}${type}`] = otherId;
        }
        return spec;
      },
      launch: (o) => {
        const spec = o.spec as Parameters<typeof runtime.launch>[0]['spec'];
        resolveNsJoins(o.name, spec);
        return runtime.launch({ ...o, spec });
      },
      readExit: (dir) => runtime.readExit(dir),
      waitExit: (dir, signal) => runtime.waitExit(dir, signal),
      execIn: async (o) => {
        // The container's dir gives exec its defaults as `docker exec` has them (config.json:
        // env, user, cwd, capabilities, no_new_privs, seccomp); our env/user/cwd go on top.
        const containerDir = o.containerDir ?? containerDirOf(project, o.pid);
        const r = await runtime.execIn({
          pid: o.pid, cgroupProcs: o.cgroupProcs, argv: o.argv, env: o.env ?? [], stdio: o.stdio,
          ...(containerDir ? { containerDir } : {}), ...(o.signal ? { signal: o.signal } : {}),
          ...(o.name ? { name: o.name } : {}), ...(o.user ? { user: o.user } : {}), ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.tty ? { tty: true } : {}),
        });
        return { code: r.code, signal: r.signal, output: (r.stdout ?? '') + (r.stderr ?? '') };
      },
      kill: (pid, sig) => { runtime.kill(pid, sig); },
    },
  };
}

/** Annotation `tscompose.ns.<type>` = id of the container whose namespace of that type is joined. */
const NS_ANNOTATION = 'tscompose.ns.';

/** The project's container for `service:X` (the first replica) or `container:NAME` (ours, any project). */
function otherContainer(project: string, name: string, ref: { kind: 'service' | 'container'; target: string }, key: string): { id: string; dir: string } {
  const own = Object.values(readState(project).containers).filter((c) => !c.oneOff);
  let c = ref.kind === 'service'
    ? own.filter((x) => x.service === ref.target).sort((a, b) => a.number - b.number)[0]
    : own.find((x) => x.name === ref.target);
  if (!c && ref.kind === 'container') {
    for (const p of projectsOnHost()) {
      if (p === project) continue;
      c = Object.values(readState(p).containers).find((x) => x.name === ref.target);
      if (c) break;
    }
  }
  if (!c) {
    throw new ContainerError(name, 'spec', new TscError('NO_CONTAINER', `${key}: no container for "${ref.kind}:${ref.target}"`, {
      ...(ref.kind === 'service' ? { hint: `"${ref.target}" must be created first (depends_on)` } : {}),
    }));
  }
  return { id: c.id, dir: paths.container(c.id) };
}

function projectsOnHost(): string[] {
  try { return readdirSync(runDir()).filter((p) => existsSync(paths.state(p))); } catch { return []; }
}

/** `volumes_from` entries → the other containers' volume and bind mounts (their config.json). */
function volumesFromOf(project: string, name: string, entries: string[], vf: typeof import('../runtime/volumes-from.ts')) {
  return entries.map((entry) => {
    const ref = vf.parseVolumesFrom(entry);
    const other = otherContainer(project, name, { kind: ref.kind, target: ref.name }, 'volumes_from');
    return { mounts: vf.volumesFromMounts(other.dir), readOnly: ref.readOnly };
  });
}

/** pid/ipc/uts `service:X` / `container:N` → the id of the container whose namespace is joined. */
function nsJoins(project: string, name: string, s: Service): Partial<Record<'pid' | 'ipc' | 'uts', string>> {
  const out: Partial<Record<'pid' | 'ipc' | 'uts', string>> = {};
  for (const type of ['pid', 'ipc', 'uts'] as const) {
    const m = /^(service|container):(.+)$/.exec(s[type] ?? '');
    if (m) out[type] = otherContainer(project, name, { kind: m[1] as 'service' | 'container', target: m[2]! }, type).id;
  }
  return out;
}

/** Points the spec's pid/ipc/uts namespaces at the running container the annotations name. */
function resolveNsJoins(name: string, spec: { annotations?: Record<string, string>; linux: { namespaces: { type: string; path?: string }[] } }): void {
  for (const [k, otherId] of Object.entries(spec.annotations ?? {})) {
    if (!k.startsWith(NS_ANNOTATION)) continue;
    const type = k.slice(NS_ANNOTATION.length);
    let pid = 0;
    try { pid = Number(readFileSync(join(paths.container(otherId), 'pid'), 'utf8').trim()); } catch { /* never started */ }
    const exit = existsSync(join(paths.container(otherId), 'exit.json'));
    if (!pid || exit || !existsSync(`/proc/${pid}`)) {
      throw new ContainerError(name, 'namespace', new TscError('NOT_RUNNING', `${type}: the container whose ${type} namespace it joins (${otherId.slice(0, 12)}) is not running`, {
        hint: 'start that service first (depends_on)',
      }));
    }
    const ns = spec.linux.namespaces.find((n) => n.type === type);
    const path = `/proc/${pid}/ns/${type}`;
    if (ns) ns.path = path; else spec.linux.namespaces.push({ type, path });
  }
}

/** executor/security for the service, reading a `seccomp=PATH` profile; errors name the container and key as buildSpec's do. */
function securityFor<T>(name: string, s: Service, projectDir: string, securityOf: (s: Service, o: { name: string; projectDir: string; readFile: (p: string) => string }) => T): T {
  try {
    return securityOf(s, { name, projectDir, readFile: (f) => readFileSync(f, 'utf8') });
  } catch (e) {
    throw new TscError('SPEC', `Service container "${name}": security_opt: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
