// `logs`: read (and with -f follow) each selected container's log; lines of several containers
// are merged in time order when not following.
import type { Command } from 'commander';
import { UsageError } from '../../schema/errors.ts';
import { parseDuration } from '../../schema/units.ts';
import { readState } from '../../executor/state/journal.ts';
import { paths } from '../../executor/state/paths.ts';
import { readLogs, followLog, Prefixer, type LogLine } from '../../executor/supervisor/logs.ts';
import { targetOf, selectContainers } from './project-target.ts';
import type { LogsOpts } from './logs.ts';

export function parseTime(v: string | undefined, flag: string, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  const rel = parseDuration(v);
  if (rel !== undefined) return now - rel;
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`${flag}: cannot parse "${v}"`, 'use RFC 3339 (2024-01-02T13:23:37Z), a Unix timestamp, or a relative time like 42m');
  return t;
}

export async function runLogs(cmd: Command, services: string[], o: LogsOpts): Promise<number> {
  const t = await targetOf(cmd);
  const state = readState(t.name);
  const cs = selectContainers(state, services, o.index !== undefined ? { index: Number(o.index) } : {});
  const since = parseTime(o.since, '--since');
  const until = parseTime(o.until, '--until');
  const tail = o.tail === undefined || o.tail === 'all' ? undefined : Number(o.tail);
  if (tail !== undefined && !Number.isInteger(tail)) throw new UsageError(`--tail: expected a number or "all", got "${o.tail}"`);
  const prefixer = new Prefixer({ colour: o.color !== false && process.stdout.isTTY === true, enabled: o.logPrefix !== false, timestamps: o.timestamps === true, names: cs.map((c) => c.name) });
  const lines: { t: number; text: string }[] = [];
  for (const c of cs) {
    const opts: { since?: number; until?: number; tail?: number } = {};
    if (since !== undefined) opts.since = since;
    if (until !== undefined) opts.until = until;
    if (tail !== undefined) opts.tail = tail;
    for (const l of readLogs(paths.container(c.id), opts)) lines.push({ t: Date.parse(l.time), text: prefixer.format(c.name, c.service, l) });
  }
  lines.sort((a, b) => a.t - b.t);
  for (const l of lines) process.stdout.write(l.text + '\n');
  if (!o.follow) return 0;
  const stops = cs.map((c) => followLog(paths.container(c.id), (l: LogLine) => {
    if (until !== undefined && Date.parse(l.time) >= until) return;
    process.stdout.write(prefixer.format(c.name, c.service, l) + '\n');
  }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const s of stops) s();
  return 0;
}
