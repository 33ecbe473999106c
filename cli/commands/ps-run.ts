// `tscompose ps`: the project's containers from the journal, their liveness from /proc, exit codes
// from the waiters' exit.json and health from the supervisor's health.json — no supervisor needed.
// Columns as docker compose: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../schema/errors.ts';
import { readState, type ContainerRecord } from '../../executor/state/journal.ts';
import { containerStatus, type ExitInfo } from '../../executor/state/observe.ts';
import { realProc } from '../../executor/state/proc.ts';
import { paths } from '../../executor/state/paths.ts';
import { readHealth } from '../../executor/supervisor/supervisor.ts';
import { targetOf, selectContainers } from './project-target.ts';

export interface PsOpts { all?: boolean; quiet?: boolean; services?: boolean; status?: string[]; format?: string; filter?: string }

export interface PsRow {
  ID: string; Name: string; Image: string; Command: string; Project: string; Service: string; Number: number;
  Created: string; State: string; Status: string; Health: string; ExitCode: number; Publishers: string[]; Ports: string;
}

function readExit(c: ContainerRecord): ExitInfo | undefined {
  try { return JSON.parse(readFileSync(join(paths.container(c.id), 'exit.json'), 'utf8')) as ExitInfo; } catch { return undefined; }
}

function commandOf(c: ContainerRecord): string {
  try {
    const spec = JSON.parse(readFileSync(join(paths.container(c.id), 'config.json'), 'utf8')) as { process?: { args?: string[] } };
    return (spec.process?.args ?? []).join(' ').replace(/\s+/g, ' ');
  } catch {
    return '';
  }
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s <= 1 ? 'Less than a second' : `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(m / 60);
  return h === 1 ? 'About an hour' : h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

export function rowOf(project: string, c: ContainerRecord, now = Date.now()): PsRow {
  const exit = readExit(c);
  const state = containerStatus(c, { proc: realProc, readExit: () => exit });
  const health = state === 'running' || state === 'paused' ? readHealth(c.id)?.status ?? '' : '';
  const code = exit ? (exit.signal ? 128 + (typeof exit.signal === 'number' ? exit.signal : 0) : exit.code) : 0;
  let status: string;
  if (state === 'running' || state === 'paused') {
    status = `Up ${ago(now - Date.parse(c.startedAt ?? c.createdAt))}${state === 'paused' ? ' (Paused)' : ''}${health ? ` (${health})` : ''}`;
  } else if (state === 'exited' || state === 'dead') {
    status = `Exited (${code}) ${ago(now - Date.parse(exit?.finishedAt ?? c.startedAt ?? c.createdAt))} ago`;
  } else status = 'Created';
  const published = c.published ?? [];
  return {
    ID: c.id, Name: c.name, Image: c.image, Command: commandOf(c), Project: project, Service: c.service, Number: c.number,
    Created: c.createdAt, State: state, Status: status, Health: health, ExitCode: code, Publishers: published, Ports: published.join(', '),
  };
}

export async function runPs(cmd: Command, services: string[], o: PsOpts): Promise<number> {
  const t = await targetOf(cmd);
  const state = readState(t.name);
  let rows = selectContainers(state, services, { oneOff: o.all === true }).map((c) => rowOf(t.name, c));
  const statuses = o.status ?? [];
  const known = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];
  for (const s of statuses) if (!known.includes(s)) throw new UsageError(`--status: invalid status "${s}"`, `one of ${known.join(', ')}`);
  if (statuses.length) rows = rows.filter((r) => statuses.includes(r.State));
  else if (!o.all) rows = rows.filter((r) => r.State === 'running' || r.State === 'paused');
  if (o.services) {
    for (const s of [...new Set(rows.map((r) => r.Service))]) process.stdout.write(s + '\n');
    return 0;
  }
  if (o.quiet) {
    for (const r of rows) process.stdout.write(r.ID + '\n');
    return 0;
  }
  if (o.format === 'json') {
    process.stdout.write(JSON.stringify(rows) + '\n');
    return 0;
  }
  const head = ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'];
  const quoted = (c: string) => (c.length > 20 ? `"${c.slice(0, 20)}…"` : `"${c}"`);
  const table = rows.map((r) => [r.Name, r.Image, quoted(r.Command), r.Service, `${ago(Date.now() - Date.parse(r.Created))} ago`, r.Status, r.Ports]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd();
  process.stdout.write(fmt(head) + '\n');
  for (const row of table) process.stdout.write(fmt(row) + '\n');
  return 0;
}
