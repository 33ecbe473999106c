// The real Engine: the supervisor's ports (ports.ts) wired to the parts as docs/contracts.md
// describes them. Each part is imported lazily, so a command that needs only some of them
// (`ps`, `logs`) does not load the rest.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine, ImageInfo } from './ports.ts';
import type { CgroupHandle, CgroupDriver } from '../cgroup/driver.ts';
import { readState } from '../state/journal.ts';
import { paths } from '../state/paths.ts';

/** The dir of the project's container whose PID 1 is `pid` (callers know the pid, not always the id). */
export function containerDirOf(project: string, pid: number): string | undefined {
  const c = Object.values(readState(project).containers).find((x) => x.pid === pid);
  return c ? paths.container(c.id) : undefined;
}

export async function realEngine(project: string): Promise<Engine> {
  const [runtime, host, etc, cgroup, rootfs, volume, prepare, net, imageStore] = await Promise.all([
    import('../runtime/runtime.ts'),
    import('../runtime/host.ts'),
    import('../runtime/etc-files.ts'),
    import('../cgroup/driver.ts'),
    import('../rootfs/rootfs.ts'),
    import('../volume/volume.ts'),
    import('../volume/prepare.ts'),
    import('../../netmgr/netmgr.ts'),
    import('../image/store.ts'),
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
        return runtime.buildSpec({
          id: req.id, name: req.name, service: req.service, image: req.image.config, rootfs: req.rootfs, etc: etcOf,
          volumes: req.volumes.volumes, anonymousVolumes: req.volumes.anonymousVolumes,
          ...(req.netnsPath ? { namespacePaths: { network: req.netnsPath } } : {}),
          devices: host.statDevices(req.service), hostHardLimits: host.hostHardLimits(),
          ...(init ? { initPath: init } : {}),
        });
      },
      launch: (o) => runtime.launch({ ...o, spec: o.spec as Parameters<typeof runtime.launch>[0]['spec'] }),
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
