// Project networks: journaled before netmgr creates them, created once per command (several
// containers attach concurrently), removed from the journal on `down`.
import type { Project, Service, ServiceNetwork } from '../../schema/model.ts';
import { TscError } from '../../schema/errors.ts';
import type { Ctx } from './context.ts';

const inflight = new WeakMap<Ctx, Map<string, Promise<unknown>>>();

export function serviceNetworks(project: Project, s: Service): { key: string; cfg: ServiceNetwork | null }[] {
  if (s.network_mode && s.network_mode !== 'bridge') return [];
  const nets = s.networks ?? { default: null };
  return Object.keys(nets).sort().map((key) => ({ key, cfg: nets[key] ?? null }));
}

export function ensureNetwork(ctx: Ctx, project: Project, key: string): Promise<unknown> {
  let m = inflight.get(ctx);
  if (!m) inflight.set(ctx, (m = new Map()));
  let p = m.get(key);
  if (!p) {
    p = (async () => {
      const net = project.networks[key];
      if (!net) throw new TscError('NO_NETWORK', `Service network "${key}" is not declared in the project`);
      const rec = ctx.journal.state.networks[key];
      if (!rec) ctx.journal.update((s) => { s.networks[key] = { key, name: net.name, external: net.external ?? false }; });
      if (!rec?.state) ctx.emit({ type: 'network', action: 'network-create', name: net.name });
      const state = await ctx.engine.net.ensureNetwork(project.name, key, net);
      ctx.journal.update((s) => { const r = s.networks[key]; if (r) r.state = state; });
      if (!rec?.state) ctx.emit({ type: 'network', action: 'network-created', name: net.name });
      return state;
    })();
    m.set(key, p);
    p.catch(() => m!.delete(key));
  }
  return p;
}

export async function removeNetworks(ctx: Ctx, keys?: string[]): Promise<void> {
  const inUse = new Set(Object.values(ctx.journal.state.containers).flatMap((c) => c.networks));
  for (const rec of Object.values(ctx.journal.state.networks)) {
    if (keys && !keys.includes(rec.key)) continue;
    if (inUse.has(rec.key)) continue;
    if (!rec.external) {
      ctx.emit({ type: 'network', action: 'network-remove', name: rec.name });
      await ctx.engine.net.removeNetwork(rec.name);
      ctx.emit({ type: 'network', action: 'network-removed', name: rec.name });
    }
    ctx.journal.update((s) => { delete s.networks[rec.key]; });
  }
}
