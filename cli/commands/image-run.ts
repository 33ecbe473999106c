// The bodies of the image commands (pull, images, image …), imported only when one runs.
import type { GlobalOptions } from '../global-options.ts';
import type { PullCliOpts } from './pull.ts';
import { openImageStore, type ImageStore, type PullProgress } from '../../executor/image/store.ts';
import { familiar } from '../../executor/image/ref.ts';
import { UsageError, TscError } from '../../schema/errors.ts';

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[i]}`;
}

export function humanAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return 'N/A';
  const steps: [number, string][] = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month'], [Infinity, 'year']];
  let v = s;
  for (const [div, name] of steps) {
    if (v < div) { const r = Math.floor(v); return r <= 1 && name === 'second' ? 'Less than a second ago' : `${r} ${name}${r === 1 ? '' : 's'} ago`; }
    v /= div;
  }
  return 'N/A';
}

/**
 * Progress for pulls: on a TTY one line per layer with a bar, redrawn at most every 100 ms; without
 * a TTY a line per finished layer (CI logs stay readable); JSON lines with --progress json.
 */
function pullReporter(g: GlobalOptions, quiet: boolean) {
  const mode = quiet || g.progress === 'quiet' ? 'quiet' : g.progress === 'json' ? 'json' : (g.progress === 'tty' || (g.progress === 'auto' && process.stderr.isTTY)) ? 'tty' : 'plain';
  const layers = new Map<string, PullProgress>();
  let drawn = 0;
  let last = 0;
  const draw = (force = false) => {
    if (!force && Date.now() - last < 100) return;
    last = Date.now();
    const lines = [...layers.values()].map((l) => {
      const width = 24;
      const frac = l.total ? Math.min(1, l.done / l.total) : 1;
      const bar = '='.repeat(Math.round(frac * width)).padEnd(width, ' ');
      const state = l.status === 'downloading' ? 'Downloading' : l.status === 'downloaded' ? 'Extracting' : l.status === 'exists' ? 'Already exists' : 'Pull complete';
      return `${familiar(l.ref)} ${l.layer.slice(7, 19)}: ${state.padEnd(14)} [${bar}] ${humanSize(l.done)}/${humanSize(l.total)}`;
    });
    let text = drawn ? `\x1b[${drawn}A` : '';
    for (const line of lines) text += `\r\x1b[K${line}\n`;
    process.stderr.write(text);
    drawn = lines.length;
  };
  return {
    onProgress(p: PullProgress) {
      layers.set(`${p.ref} ${p.layer}`, p);
      if (mode === 'json') { if (p.status !== 'downloading') out(JSON.stringify({ event: 'layer', ...p })); return; }
      if (mode === 'plain' && (p.status === 'downloaded' || p.status === 'exists')) {
        err(`${familiar(p.ref)}: layer ${p.layer.slice(7, 19)} ${p.status === 'exists' ? 'already present' : `downloaded (${humanSize(p.total)})`}`);
      }
      if (mode === 'tty') draw(p.status !== 'downloading');
    },
    finished(ref: string, id: string) {
      if (mode === 'tty') draw(true);
      if (mode === 'json') out(JSON.stringify({ event: 'pulled', ref, id }));
      else if (mode !== 'quiet') err(`${familiar(ref)}: pulled ${id.slice(7, 19)}`);
    },
  };
}

export async function runPullRefs(g: GlobalOptions, refs: string[], opts: Omit<PullCliOpts, 'ignorePullFailures'> & { ignorePullFailures?: boolean }): Promise<void> {
  const store = openImageStore();
  const rep = pullReporter(g, !!opts.quiet);
  const failures: unknown[] = [];
  await Promise.all(refs.map(async (ref) => {
    try {
      const img = await store.pull(ref, {
        onProgress: (p) => rep.onProgress(p),
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(opts.insecureRegistry?.length ? { insecure: opts.insecureRegistry } : {}),
      });
      rep.finished(img.ref, img.id);
      if (opts.quiet) out(familiar(img.ref));
    } catch (e) {
      if (!opts.ignorePullFailures) throw e;
      failures.push(e);
      err(`${ref}: ${(e as Error).message} (ignored)`);
    }
  }));
}

export async function runPull(g: GlobalOptions, names: string[], opts: PullCliOpts): Promise<void> {
  // With a stack file, names are services (all services when none given); without one, image references.
  let project;
  try {
    const { loadProjectFor } = await import('../load-project.ts');
    project = await loadProjectFor(g);
  } catch (e) {
    if (!names.length || g.file?.length) throw e;
  }
  const refs = new Set<string>();
  if (project) {
    const wanted = names.length ? names : Object.keys(project.services);
    for (const n of wanted) {
      const svc = project.services[n];
      if (!svc) {
        if (!names.length) continue;
        refs.add(n); // not a service: an image reference, like `docker pull`
        continue;
      }
      if (!svc.image || svc.pull_policy === 'build') continue;
      refs.add(svc.image);
    }
  } else {
    for (const n of names) refs.add(n);
  }
  if (!refs.size) throw new UsageError('nothing to pull', 'name images or services, or run it next to a stack file');
  await runPullRefs(g, [...refs], opts);
}

export async function runImages(opts: { format: string; quiet?: boolean }): Promise<void> {
  const store = openImageStore();
  const list = (await store.list()).sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  if (opts.quiet) { for (const i of list) out(i.id.slice(7, 19)); return; }
  if (opts.format === 'json') { out(JSON.stringify(list.map((i) => ({ ...i, refs: i.refs.map(familiar) })), null, 2)); return; }
  if (opts.format !== 'table') throw new UsageError(`unsupported format "${opts.format}"`, 'use --format table or --format json');
  const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const i of list) {
    for (const r of i.refs) {
      const f = familiar(r);
      const named = f.split('@')[0]!; // a pull by digest has no tag: `repo@sha256:…`
      const at = named.lastIndexOf(':');
      const slash = named.lastIndexOf('/');
      const [repo, tag] = at > slash ? [named.slice(0, at), named.slice(at + 1)] : [named, '<none>'];
      rows.push([repo, tag, i.id.slice(7, 19), humanAgo(i.created), humanSize(i.size)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) out(r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]! + 3))).join('').trimEnd());
}

export async function runLoad(opts: { input: string; name?: string; platform?: string; quiet?: boolean }): Promise<void> {
  const imgs = await openImageStore().load(opts.input, {
    ...(opts.name ? { ref: opts.name } : {}), ...(opts.platform ? { platform: opts.platform } : {}),
  });
  for (const i of imgs) out(opts.quiet ? familiar(i.ref) : i.ref.startsWith('sha256:') ? `Loaded image ID: ${i.id}` : `Loaded image: ${familiar(i.ref)}`);
}

export async function runImport(src: string, ref: string, opts: { change?: string[]; message?: string }): Promise<void> {
  const { applyChanges } = await import('../../executor/image/changes.ts');
  const { DEFAULT_PATH } = await import('../../executor/image/import.ts');
  const config = applyChanges({ Env: [DEFAULT_PATH] }, opts.change ?? []);
  const img = await openImageStore().import(src, ref, { config, ...(opts.message ? { message: opts.message } : {}) });
  out(img.id);
}

export async function runRm(refs: string[], opts: { force?: boolean }): Promise<void> {
  const store: ImageStore = openImageStore();
  let failed: TscError | undefined;
  for (const r of refs) {
    try {
      for (const u of await store.remove(r, opts.force ? { force: true } : {})) out(`Untagged: ${familiar(u)}`);
    } catch (e) {
      if (!(e instanceof TscError)) throw e;
      err(e.message);
      failed = e;
    }
  }
  if (failed) process.exitCode = 1;
}

export async function runPrune(): Promise<void> {
  const r = await openImageStore().prune();
  out(`Deleted ${r.blobs} blobs and ${r.layers} unpacked layers`);
  out(`Total reclaimed space: ${humanSize(r.bytes)}`);
}

export async function runInspect(refs: string[]): Promise<void> {
  const store = openImageStore();
  const res = [];
  for (const r of refs) {
    const i = await store.resolve(r);
    if (!i) {
      const { imageNotFound } = await import('../../executor/image/errors.ts');
      throw imageNotFound(r);
    }
    res.push(i);
  }
  out(JSON.stringify(res, null, 2));
}
