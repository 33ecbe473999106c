// The body of `tscompose config`, imported only when the command runs.
import { writeFileSync } from 'node:fs';
import type { GlobalOptions } from '../global-options.ts';
import type { ConfigOpts } from './config.ts';
import { loadProjectFor } from '../load-project.ts';
import { UsageError } from '../../schema/errors.ts';
import type { Project } from '../../schema/model.ts';

export async function runConfig(g: GlobalOptions, services: string[], opts: ConfigOpts): Promise<void> {
  if (opts.format !== 'yaml' && opts.format !== 'json') throw new UsageError(`unsupported format "${opts.format}"`, 'use --format yaml or --format json');
  const project = await loadProjectFor(g, { interpolate: opts.interpolate, ...(services.length ? { services } : {}) });
  if (opts.quiet) return;
  const lines = listing(project, opts);
  let text: string;
  if (lines) {
    text = lines.length ? lines.join('\n') + '\n' : '';
  } else {
    const { renderConfig } = await import('../../schema/config-output.ts');
    const shown = services.length ? onlyServices(project, services) : project;
    text = renderConfig(shown, opts.format, { escapeDollars: opts.interpolate });
  }
  if (opts.output) writeFileSync(opts.output, text);
  else process.stdout.write(text);
}

/** The one-name-per-line listings (--services, --volumes, …); undefined when none was asked. */
export function listing(p: Project, o: ConfigOpts): string[] | undefined {
  if (o.services) return Object.keys(p.services).sort();
  if (o.volumes) return Object.keys(p.volumes).sort();
  if (o.networks) return Object.keys(p.networks).sort();
  if (o.profiles) {
    const all = new Set<string>();
    for (const s of [...Object.values(p.services), ...Object.values(p.disabled_services)]) for (const x of s.profiles ?? []) all.add(x);
    return [...all].sort();
  }
  if (o.images) {
    // A service without `image:` gets compose's default build image name.
    return Object.keys(p.services).sort().map((n) => p.services[n]!.image ?? `${p.name}-${n}`);
  }
  return undefined;
}

/** The named services and everything they depend on. */
function onlyServices(p: Project, names: string[]): Project {
  const keep = new Set<string>();
  const visit = (n: string) => {
    if (keep.has(n) || !p.services[n]) return;
    keep.add(n);
    for (const d of Object.keys(p.services[n]!.depends_on)) visit(d);
  };
  names.forEach(visit);
  return { ...p, services: Object.fromEntries(Object.entries(p.services).filter(([n]) => keep.has(n))) };
}
