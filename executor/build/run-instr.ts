// RUN: the step's command in a container of our runtime (run.ts), its mounts (cache, context
// binds, tmpfs), heredoc scripts, and its cache key (argv, env with the build args, user, workdir,
// network, mount ids and bound content).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkFlags, flagOf, flagsOf, type Instr } from './parse.ts';
import { commandOf, createdBy, runEnv, type StageState } from './state.ts';
import { parseRunMount, type RunMount } from './mounts.ts';
import { collectSources, cleanSource, resolveInRoot, sourcesDigest } from './sources.ts';
import { runStep } from './run.ts';
import { displayText, DEFAULT_BUILD_PROJECT, type StepHost, type StepResult } from './step-host.ts';

/** Where a `RUN <<EOF` script with a shebang is mounted for its step. */
const RUN_SCRIPT = '/.tscompose-run-script';

export async function runInstr(b: StepHost, ins: Instr, st: StageState): Promise<StepResult> {
  checkFlags(ins, b.file, ['mount', 'network', 'security']);
  if (flagOf(ins, 'security') !== undefined && flagOf(ins, 'security') !== 'sandbox') {
    throw b.err('BUILD_UNSUPPORTED', ins.line, `RUN --security=${flagOf(ins, 'security')} is not supported`, { step: displayText(ins) });
  }
  const netFlag = flagOf(ins, 'network');
  if (netFlag !== undefined && !['default', 'none', 'host'].includes(netFlag)) throw b.err('BUILD_SYNTAX', ins.line, `RUN --network=${netFlag}: expected default, none or host`);
  const network = (netFlag ?? b.req.network ?? 'default') as 'default' | 'none' | 'host';
  const mounts: RunMount[] = [];
  for (const m of flagsOf(ins, 'mount')) {
    try { mounts.push(parseRunMount(m, st.config.WorkingDir)); } catch (e) {
      throw b.err('BUILD_UNSUPPORTED', ins.line, `RUN --mount=${m}: ${e instanceof Error ? e.message : String(e)}`, { step: displayText(ins) });
    }
  }
  // Bind mounts of the context: resolved inside it (never through a symlink out), keyed by content.
  const binds: { source: string; target: string; readOnly?: boolean; file?: boolean }[] = [];
  const mountKeys: unknown[] = [];
  for (const m of mounts) {
    if (m.type === 'cache') {
      binds.push({ source: b.cache.mountDir(m.id), target: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
      mountKeys.push({ cache: m.id, target: m.target });
    } else if (m.type === 'bind') {
      const rel = cleanSource(m.source);
      const abs = resolveInRoot(b.req.contextDir, rel);
      if (!abs || (rel !== '' && b.ignoreMatcher()?.matches(rel))) {
        throw b.err('BUILD_RUN', ins.line, `RUN --mount source "${m.source}" is not in the build context`, { step: displayText(ins) });
      }
      const items = collectSources(b.req.contextDir, [m.source], '/', true, b.ignoreMatcher());
      const isFile = items[0]?.kind === 'file';
      binds.push({ source: abs, target: m.target, readOnly: true, ...(isFile ? { file: true } : {}) });
      mountKeys.push({ bind: sourcesDigest(items, b.hashes.hash), target: m.target });
    } else {
      mountKeys.push({ tmpfs: m.target, size: m.size });
    }
  }
  const tmpfs = mounts.filter((m): m is Extract<RunMount, { type: 'tmpfs' }> => m.type === 'tmpfs').map((m) => ({ target: m.target, ...(m.size ? { size: m.size } : {}) }));
  const locked = mounts.filter((m): m is Extract<RunMount, { type: 'cache' }> => m.type === 'cache' && m.sharing === 'locked').map((m) => b.cache.mountDir(m.id));
  const shell = st.config.Shell;
  let argv: string[];
  let script: string | undefined;
  if (ins.heredocs.length && /^(<<-?["']?[A-Za-z_][A-Za-z0-9_.-]*["']?\s*)+$/.test(ins.args)) {
    const body = ins.heredocs.map((h) => h.body).join('');
    if (body.startsWith('#!')) {
      // A script with its own interpreter (`#!/usr/bin/env python3`) is run as a file, as
      // BuildKit does: bind-mounted read-only for the step, so it never lands in the layer.
      script = body;
      argv = [RUN_SCRIPT];
    } else {
      // `RUN <<EOF` alone: the body is the shell script.
      argv = [...(shell ?? ['/bin/sh', '-c']), body];
    }
  } else if (ins.heredocs.length) {
    // `RUN cmd <<EOF`: the shell itself feeds the body to the command.
    const bodies = ins.heredocs.map((h) => `${h.body}${h.name}\n`).join('');
    argv = [...(shell ?? ['/bin/sh', '-c']), `${ins.args}\n${bodies}`];
  } else {
    argv = commandOf(ins.args, shell).argv;
  }
  const env = runEnv(st, b.buildArgs);
  const user = st.config.User ?? '';
  const workdir = st.config.WorkingDir ?? '/';
  // Proxy settings reach the RUN but not its cache key (BuildKit: a different proxy gives the same result).
  const keyEnv = env.slice(0, runEnv(st, {}).length);
  const descriptor = { op: 'RUN', argv, env: keyEnv, user, workdir, network, mounts: mountKeys };
  const history = createdBy(ins, argv.join(' '));
  const descriptorWithScript = script === undefined ? descriptor : { ...descriptor, script };
  return b.cachedStep(st, descriptorWithScript, history, async (layerDirs) => {
    if (network === 'default') await b.useBuildNetwork();
    let scriptDir: string | undefined;
    if (script !== undefined) {
      scriptDir = join(b.req.store.root, 'tmp', `build-heredoc-${process.pid}-${randomBytes(6).toString('hex')}`);
      mkdirSync(scriptDir, { recursive: true });
      writeFileSync(join(scriptDir, 'script'), script, { mode: 0o755 });
      binds.push({ source: join(scriptDir, 'script'), target: RUN_SCRIPT, readOnly: true, file: true });
    }
    try {
    const out = await b.cache.withMountLocks(locked, () => runStep({
      store: b.req.store, layerDirs, signal: b.req.signal,
      step: {
        argv, env, user, workdir, network, ...(b.req.shmSize ? { shmSize: b.req.shmSize } : {}),
        ...(b.req.extraHosts ? { extraHosts: b.req.extraHosts } : {}),
        binds, tmpfs,
        project: b.req.project ?? DEFAULT_BUILD_PROJECT, name: `build-${b.req.name}`,
      },
      onLine: (stream, line) => {
        b.output(ins, stream, line);
      },
    }));
    if (out.code !== 0) {
      await out.dispose();
      const last = out.tail.slice(-10);
      throw b.err('BUILD_RUN', ins.line,
        `"${displayText(ins)}" did not complete successfully: exit code ${out.code}${last.length ? `\n${last.map((l) => `  > ${l}`).join('\n')}` : ''}`,
        { step: displayText(ins) });
    }
    return out;
    } finally {
      if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    }
  });
}
