// COPY and ADD: sources from the context (with .dockerignore), a stage, an image, an additional
// context or heredocs, written into an overlay of the parent's layers (rootfs-step.ts) whose upper
// dir becomes the layer. The cache key holds the sources' content digest (or the source stage's key).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkFlags, flagOf, type Instr } from './parse.ts';
import { createdBy, hashKey, stageVars, type StageState } from './state.ts';
import { processWord, processWords } from './words.ts';
import { collectSources, cleanSource, sourcesDigest, type SourceItem } from './sources.ts';
import { copyInto, isDirIn, makeDirIn, type CopyOwner } from './copy.ts';
import { parseChmod, type Chmod } from './chmod.ts';
import { withRootfs } from './rootfs-step.ts';
import { displayText, ownerOf, type StepHost, type StepResult } from './step-host.ts';

export async function copyInstr(b: StepHost, ins: Instr, st: StageState, stageIndex: number): Promise<StepResult> {
  const isAdd = ins.keyword === 'ADD';
  checkFlags(ins, b.file, isAdd ? ['chown', 'chmod', 'link'] : ['from', 'chown', 'chmod', 'link']);
  const esc = b.escape;
  const vars = stageVars(st);
  const json = ins.args.trim().startsWith('[') ? parseJsonList(ins.args) : undefined;
  const words = json ?? processWords(ins.args, vars, { escape: esc });
  if (words.length < 2) throw b.err('BUILD_SYNTAX', ins.line, `${ins.keyword} requires at least two arguments, but got ${words.length}`, { step: displayText(ins) });
  const destRaw = words[words.length - 1]!;
  const specs = words.slice(0, -1);
  const workdir = st.config.WorkingDir ?? '/';
  let dest = destRaw.startsWith('/') ? destRaw : posix.join(workdir, destRaw);
  const destIsDir = destRaw.endsWith('/') || destRaw === '.' || specs.length > 1;
  if (dest !== '/' && dest.endsWith('/')) dest = dest.slice(0, -1);
  const chown = flagOf(ins, 'chown') !== undefined ? processWord(flagOf(ins, 'chown')!, vars, { escape: esc }) : undefined;
  const chmodRaw = flagOf(ins, 'chmod');
  const chmod = chmodRaw !== undefined ? parseChmod(chmodRaw) : undefined;
  if (chmodRaw !== undefined && chmod === undefined) throw b.err('BUILD_SYNTAX', ins.line, `invalid --chmod=${chmodRaw}: an octal (755) or symbolic (u+x, go-w, a=rX) mode is expected`);
  const fromRaw = flagOf(ins, 'from');
  const from = fromRaw !== undefined ? processWord(fromRaw, vars, { escape: esc }) : undefined;
  for (const s of specs) {
    if (/^[a-z]+:\/\//i.test(s) || s.startsWith('git@')) {
      throw b.err('BUILD_UNSUPPORTED', ins.line, `${ins.keyword} ${s}: remote sources are not supported (no network access during builds here); download the file into the build context`, { step: displayText(ins) });
    }
  }

  // Where the sources come from: the context, a stage, an image, an additional context, heredocs.
  const heredocNames = new Set(ins.heredocs.map((h) => h.name));
  const hdSpecs = specs.filter((s) => /^<<-?/.test(s) && heredocNames.has(s.replace(/^<<-?["']?|["']$/g, '')));
  const fileSpecs = specs.filter((s) => !hdSpecs.includes(s));
  let source: { kind: 'context'; dir: string } | { kind: 'state'; state: StageState };
  if (from === undefined) source = { kind: 'context', dir: b.req.contextDir };
  else {
    const s = await b.stageState(from, stageIndex);
    const extra = b.req.additionalContexts?.[from];
    if (s) source = { kind: 'state', state: s };
    else if (extra && 'dir' in extra) source = { kind: 'context', dir: extra.dir };
    else source = { kind: 'state', state: await b.imageState(from, ins) };
  }
  const ctxIgnore = source.kind === 'context' && source.dir === b.req.contextDir ? b.ignoreMatcher() : undefined;

  let digest = '';
  let contextItems: SourceItem[] = [];
  if (source.kind === 'context' && fileSpecs.length) {
    contextItems = collectSources(source.dir, fileSpecs, dest, destIsDir, ctxIgnore);
    digest = sourcesDigest(contextItems, b.hashes.hash);
  } else if (source.kind === 'state') {
    digest = hashKey('state', source.state.key, ...fileSpecs.map(cleanSource));
  }
  const hd = ins.heredocs.filter((h) => hdSpecs.some((s) => s.replace(/^<<-?["']?|["']$/g, '') === h.name))
    .map((h) => ({ name: h.name, body: h.expand ? expandHeredoc(h.body, vars, esc) : h.body }));
  const descriptor = { op: ins.keyword, digest, specs, dest, destIsDir, chown, chmod, hd, workdir };
  const history = createdBy(ins);
  return b.cachedStep(st, descriptor, history, (layerDirs) => withRootfs(b.req.store, layerDirs, async (merged) => {
    const owner = chown !== undefined ? ownerOf(chown, merged) : (source.kind === 'state' ? undefined : { uid: 0, gid: 0 });
    if (workdir !== '/') makeDirIn(merged, workdir);
    // `COPY file /usr/local/bin` puts the file into a dir the image already has (docker's rule).
    const intoDir = destIsDir || isDirIn(merged, dest);
    if (source.kind === 'context' && contextItems.length) {
      const items = intoDir === destIsDir ? contextItems : collectSources(source.dir, fileSpecs, dest, true, ctxIgnore);
      await applyItems(b, merged, items, isAdd, owner, chmod);
    } else if (source.kind === 'state' && fileSpecs.length) {
      const srcDirs = await b.layerDirs(source.state);
      // The source side is a read view: its (empty) upper dir is thrown away.
      const src = await withRootfs(b.req.store, srcDirs, async (srcRoot) => {
        const items = collectSources(srcRoot, fileSpecs, dest, intoDir);
        copyInto(merged, items, owner ? { owner, ...(chmod !== undefined ? { chmod } : {}) } : (chmod !== undefined ? { chmod } : {}));
      });
      await src.dispose();
    }
    if (hd.length) {
      const tmp = join(b.req.store.root, 'tmp', `build-heredoc-${process.pid}-${randomBytes(6).toString('hex')}`);
      mkdirSync(tmp, { recursive: true });
      try {
        for (const h of hd) writeFileSync(join(tmp, h.name), h.body, { mode: 0o644 });
        const items = collectSources(tmp, hd.map((h) => h.name), dest, intoDir);
        copyInto(merged, items, { owner: owner ?? { uid: 0, gid: 0 }, ...(chmod !== undefined ? { chmod } : {}) });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }));
}

/** Context items into the rootfs; for ADD, a local tar archive given as a source is extracted. */
async function applyItems(b: StepHost, merged: string, items: SourceItem[], isAdd: boolean, owner: CopyOwner | undefined, chmod: Chmod | undefined): Promise<void> {
  const opts = { ...(owner ? { owner } : {}), ...(chmod !== undefined ? { chmod } : {}) };
  if (!isAdd) { copyInto(merged, items, opts); return; }
  const { isArchive, extractArchive } = await import('./archive.ts');
  const plain: SourceItem[] = [];
  for (const it of items) {
    // Only top-level file sources are archives (files inside a copied dir are copied as they are).
    if (it.kind === 'file' && isArchive(it.abs) && !items.some((o) => o !== it && o.kind === 'dir' && it.rel.startsWith(`${o.rel}/`))) {
      const destDir = it.dest.endsWith(`/${posix.basename(it.rel)}`) ? posix.dirname(it.dest) : it.dest;
      await extractArchive(b.req.store, it.abs, merged, destDir);
    } else plain.push(it);
  }
  copyInto(merged, plain, opts);
}

function parseJsonList(text: string): string[] | undefined {
  try {
    const v = JSON.parse(text.trim()) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v as string[] : undefined;
  } catch { return undefined; }
}

function expandHeredoc(body: string, vars: (n: string) => string | undefined, esc: string): string {
  // Unquoted heredoc names expand variables (BuildKit); quotes in the body stay as written.
  return body.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => processWord(m, vars, { escape: esc }));
}
