// A service's volumes as mounts with host paths: named volumes are created (journaled first, so
// `down -v` knows them even after a crash), bind sources are created when compose would create
// them, anonymous volumes live in the container's own dir and go with it.
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Project, Service } from '../../schema/model.ts';
import { paths } from '../state/paths.ts';
import { parseBytes } from '../../schema/units.ts';
import type { Ctx } from './context.ts';
import type { ResolvedMount } from './ports.ts';

export async function resolveMounts(ctx: Ctx, project: Project, service: Service, id: string): Promise<ResolvedMount[]> {
  const out: ResolvedMount[] = [];
  let anon = 0;
  for (const v of service.volumes ?? []) {
    const readOnly = v.read_only ?? false;
    if (v.type === 'bind' && v.source) {
      if (!existsSync(v.source) && v.bind?.create_host_path !== false) mkdirSync(v.source, { recursive: true });
      out.push({ type: 'bind', source: v.source, target: v.target, readOnly });
    } else if (v.type === 'volume' && v.source) {
      const decl = project.volumes[v.source];
      const name = decl?.name ?? v.source;
      if (!ctx.journal.state.volumes[v.source]) {
        ctx.journal.update((s) => { s.volumes[v.source!] = { key: v.source!, name, external: decl?.external ?? false }; });
      }
      const host = await ctx.engine.volumes.ensure(name, decl);
      out.push({ type: 'volume', source: host, target: v.target, readOnly });
    } else if (v.type === 'volume') {
      const host = join(paths.container(id), 'anon', String(anon++));
      mkdirSync(host, { recursive: true });
      out.push({ type: 'bind', source: host, target: v.target, readOnly });
    } else if (v.type === 'tmpfs') {
      const m: ResolvedMount = { type: 'tmpfs', target: v.target, readOnly };
      if (v.tmpfs?.size !== undefined) m.tmpfsSize = v.tmpfs.size;
      out.push(m);
    }
  }
  for (const t of service.tmpfs ?? []) {
    const [target, opts] = t.split(':');
    if (!target) continue;
    const m: ResolvedMount = { type: 'tmpfs', target, readOnly: false };
    const size = /size=([^,]+)/.exec(opts ?? '')?.[1];
    const bytes = size ? parseBytes(size) : undefined;
    if (bytes !== undefined) m.tmpfsSize = bytes;
    out.push(m);
  }
  return out;
}
