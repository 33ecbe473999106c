// `exec`: the container's environment (image Env + service environment, recorded at create),
// user and working dir, overridden by -e/-u/-w; the exit code is the command's (128+signal when
// a signal ended it), as docker compose does.
import type { Command } from 'commander';
import { TscError } from '../../schema/errors.ts';
import { readState } from '../../executor/state/journal.ts';
import { isAlive, realProc } from '../../executor/state/proc.ts';
import { targetOf, selectContainers } from './project-target.ts';
import type { ExecOpts } from './exec.ts';

export async function runExec(cmd: Command, service: string, command: string[], o: ExecOpts): Promise<number> {
  const t = await targetOf(cmd);
  const index = Number(o.index ?? '1');
  const [c] = selectContainers(readState(t.name), [service], { index });
  if (!c) throw new TscError('NO_CONTAINER', `Service "${service}" has no container with index ${index}`);
  if (!c.steps.includes('launch') || !isAlive(realProc, c.pid, c.pidStart)) {
    throw new TscError('NOT_RUNNING', `Container ${c.name} is not running`, { hint: `start it: tscompose start ${service}` });
  }
  if (c.desired === 'paused') throw new TscError('PAUSED', `Container ${c.name} is paused`, { hint: `tscompose unpause ${service}` });
  const { realEngine } = await import('../../executor/supervisor/engine.ts');
  const { readMeta } = await import('../../executor/supervisor/containers.ts');
  const engine = await realEngine(t.name);
  const meta = readMeta(c.id);
  const env = new Map<string, string>();
  for (const kv of meta.env ?? []) { const i = kv.indexOf('='); if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1)); }
  for (const kv of o.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
    else if (process.env[kv] !== undefined) env.set(kv, process.env[kv]!);
  }
  const user = o.user ?? meta.user;
  const cwd = o.workdir ?? meta.workingDir;
  const r = await engine.runtime.execIn({
    name: c.name, pid: c.pid!, cgroupProcs: engine.cgroups.procsFiles(c.cgroup), argv: command,
    env: [...env].map(([k, v]) => `${k}=${v}`), stdio: o.detach ? 'ignore' : 'inherit',
    ...(user ? { user } : {}), ...(cwd ? { cwd } : {}),
    // compose: a TTY unless -T, when we have one to give
    ...(o.tty !== false && !o.detach && process.stdin.isTTY && process.stdout.isTTY ? { tty: true } : {}),
  });
  if (r.signal !== null && r.signal !== undefined) return 128 + (typeof r.signal === 'number' ? r.signal : 0);
  return r.code;
}
