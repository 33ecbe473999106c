// The body of `tscompose config`, imported only when the command runs. Which output wins when
// several are asked for follows docker compose (cmd/compose/config.go): --services, --volumes,
// --hash, --profiles, --images, --variables, --environment, then the project itself. -q prints
// nothing at all (docker compose sends stdout to /dev/null) but still loads and checks everything.
import { writeFileSync } from 'node:fs';
import type { GlobalOptions } from '../global-options.ts';
import type { ConfigOpts } from './config.ts';
import { loadProjectFor } from '../load-project.ts';
import { UsageError } from '../../schema/errors.ts';
import type { Project, Service } from '../../schema/model.ts';
import type { Variable } from '../../schema/variables.ts';

export async function runConfig(g: GlobalOptions, services: string[], opts: ConfigOpts): Promise<void> {
  const format = opts.format;
  const tableOk = opts.variables && (format === 'table' || format === 'pretty');
  if (format !== undefined && format !== 'yaml' && format !== 'json' && !tableOk) {
    throw new UsageError(`unsupported format "${format}"`, 'use --format yaml or --format json');
  }
  const out = (text: string) => {
    if (!opts.quiet) process.stdout.write(text);
  };
  const selected = services.length ? { services } : {};

  if (opts.services || opts.volumes || (opts.hash === undefined && (opts.networks || opts.profiles || opts.images))) {
    const project = await loadProjectFor(g, { interpolate: opts.interpolate, ...selected });
    out(lines(listing(project, opts) ?? []));
    return;
  }
  if (opts.hash !== undefined) {
    const project = await loadProjectFor(g, { interpolate: opts.interpolate });
    out(lines(await hashLines(project, opts.hash)));
    return;
  }
  if (opts.variables) {
    // Like compose: the templates of the model as written (every file, include and extends
    // included), before interpolation and normalization.
    const { extractVariables } = await import('../../schema/variables.ts');
    const vars = new Map<string, Variable>();
    await loadProjectFor(g, { interpolate: false, ...selected, onFileTree: (t) => void extractVariables(t, vars) });
    out(await renderVariables(vars, format));
    return;
  }
  if (opts.environment) {
    let env: Record<string, string> = {};
    await loadProjectFor(g, { interpolate: opts.interpolate, ...selected, onEnvironment: (e) => (env = e) });
    out(lines(environmentLines(env)));
    return;
  }

  let project = await loadProjectFor(g, { interpolate: opts.interpolate, ...selected });
  if (opts.resolveImageDigests) project = await withImageDigests(project, await registryDigestResolver());
  if (opts.quiet) return;
  (await import('../yaml-pack.ts')).usePackedYaml();
  const { renderConfig } = await import('../../schema/config-output.ts');
  const shown = services.length ? onlyServices(project, services) : project;
  const text = renderConfig(shown, format === 'json' ? 'json' : 'yaml', { escapeDollars: opts.interpolate });
  if (opts.output) writeFileSync(opts.output, text);
  else process.stdout.write(text);
}

function lines(xs: string[]): string {
  return xs.length ? xs.join('\n') + '\n' : '';
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

/**
 * `--hash`: `<service> <config hash>` per service, sorted by name; `*` means every enabled service.
 * The hash is the planner's (planner/hash.ts), with the digest of the service's image in the local
 * store as `up` uses it, so the line shows exactly what `up` records on the container and compares next time.
 */
export async function hashLines(project: Project, which: string, digests?: Record<string, string>): Promise<string[]> {
  const names = which === '*' ? Object.keys(project.services) : which.split(',').map((s) => s.trim()).filter(Boolean);
  names.sort();
  const { serviceConfigHash } = await import('../../planner/hash.ts');
  const imageDigests = digests ?? (await (await import('../../executor/supervisor/pull-images.ts')).imageDigestsOf(project, (await import('../../executor/image/store.ts')).openImageStore()));
  return names.map((n) => {
    const d = imageDigests[n];
    return `${n} ${serviceConfigHash(project, n, d ? { imageDigest: d } : {})}`;
  });
}

/**
 * `--variables` as docker compose prints it: a table (NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE,
 * columns padded like Go's tabwriter with minwidth 20 and padding 3), `--format json` (4-space
 * indented, Go field names) or `--format yaml` (go-yaml: 4-space indent, lower-cased field names).
 * Sorted by name (compose iterates a Go map: its order varies from run to run).
 */
export async function renderVariables(vars: Map<string, Variable>, format: string | undefined): Promise<string> {
  const sorted = [...vars.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (format === 'json') {
    const o: Record<string, unknown> = {};
    for (const v of sorted) o[v.name] = { Name: v.name, DefaultValue: v.defaultValue, PresenceValue: v.presenceValue, Required: v.required };
    // json.Encoder ends with a newline and compose prints it with Fprintln: one blank line follows.
    return `${JSON.stringify(o, null, 4)}\n\n`;
  }
  if (format === 'yaml') {
    if (!sorted.length) return '{}\n';
    (await import('../yaml-pack.ts')).usePackedYaml();
    const { stringify } = await import('yaml');
    const o: Record<string, unknown> = {};
    for (const v of sorted) o[v.name] = { name: v.name, defaultvalue: v.defaultValue, presencevalue: v.presenceValue, required: v.required };
    return stringify(o, { indent: 4, lineWidth: 0 });
  }
  return tabwrite([['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'], ...sorted.map((v) => [v.name, String(v.required), v.defaultValue, v.presenceValue])]);
}

/** Go's text/tabwriter as compose sets it up (minwidth 20, padding 3, spaces): the last cell is not padded. */
function tabwrite(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(20, [...c].length + 3))));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i]! - [...c].length) : c)).join('') + '\n').join('');
}

/** `--environment`: KEY=VALUE lines sorted as Go sorts strings (by bytes), like compose's Mapping.Values(). */
export function environmentLines(env: Record<string, string>): string[] {
  const b = (s: string) => Buffer.from(s, 'utf8');
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).sort((x, y) => Buffer.compare(b(x), b(y)));
}

/**
 * `--resolve-image-digests`: every service image pinned to its manifest digest and written as compose
 * writes it (`docker.io/library/nginx:1.27@sha256:…`); an image already pinned is only normalized.
 * Services without `image:` are left alone. `resolve` gets the normalized reference.
 */
export async function withImageDigests(project: Project, resolve: (ref: string) => Promise<string>): Promise<Project> {
  const { canonical, parseRef } = await import('../../executor/image/ref.ts');
  const asked = new Map<string, Promise<string>>();
  const services: Record<string, Service> = {};
  await Promise.all(
    Object.entries(project.services).map(async ([name, s]) => {
      if (!s.image) {
        services[name] = s;
        return;
      }
      const ref = parseRef(s.image);
      if (!ref.digest) {
        const key = canonical(ref);
        let p = asked.get(key);
        if (!p) asked.set(key, (p = resolve(key)));
        ref.digest = await p;
      }
      services[name] = { ...s, image: canonical(ref) };
    }),
  );
  // Keep the project's service order.
  const ordered: Record<string, Service> = {};
  for (const n of Object.keys(project.services)) ordered[n] = services[n]!;
  return { ...project, services: ordered };
}

/**
 * Asks the image's registry for the digest of what the tag points at now, as docker compose does
 * (distribution inspect): the manifest, or for a multi-platform image the index, without pulling.
 */
export async function registryDigestResolver(): Promise<(ref: string) => Promise<string>> {
  const { MANIFEST_ACCEPT, RegistryClient, readBody } = await import('../../executor/image/registry.ts');
  const { parseRef } = await import('../../executor/image/ref.ts');
  const { sha256 } = await import('../../executor/image/digest.ts');
  const { ImageError } = await import('../../executor/image/errors.ts');
  const clients = new Map<string, InstanceType<typeof RegistryClient>>();
  return async (input) => {
    const ref = parseRef(input);
    let client = clients.get(ref.domain);
    if (!client) clients.set(ref.domain, (client = new RegistryClient(ref.domain)));
    try {
      const res = await client.get(ref.path, `manifests/${ref.tag ?? 'latest'}`, { accept: MANIFEST_ACCEPT });
      const digest = sha256(await readBody(res, 4 * 1024 * 1024));
      const header = res.headers['docker-content-digest'];
      if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
        throw new ImageError('DIGEST_MISMATCH', `${input}: the registry says ${header}, the manifest hashes to ${digest}`, { ref: input });
      }
      return digest;
    } catch (e) {
      if (e instanceof ImageError && e.message.includes(input)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new ImageError(e instanceof ImageError ? e.code : 'REGISTRY', `resolve image digest of ${input}: ${msg}`, { ref: input, cause: e });
    }
  };
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
