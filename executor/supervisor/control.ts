// The control socket (`$TSCOMPOSE_RUN/<project>/control.sock`, mode 0600): a JSON-lines protocol
// between the project's supervisor and the other commands. One request per line
// `{"id":1,"op":"ping"}`, answered `{"id":1,"ok":true,"result":…}` or `{"id":1,"ok":false,"error":"…"}`;
// `events` answers with one `{"event":…}` line per project event until the client closes.
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmodSync, rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { paths } from '../state/paths.ts';
import { TscError } from '../../schema/errors.ts';
import type { ProjectEvent } from './events.ts';

export type ControlOp = 'ping' | 'reload' | 'shutdown' | 'detach' | 'events' | 'status';

export interface ControlRequest {
  id: number;
  op: ControlOp;
  args?: Record<string, unknown>;
}

export interface ControlHandlers {
  handle(op: ControlOp, args: Record<string, unknown>): Promise<unknown>;
  subscribe(fn: (e: ProjectEvent) => void): () => void;
}

export function serveControl(project: string, h: ControlHandlers): Promise<Server> {
  const file = paths.controlSocket(project);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // A socket file left by a dead supervisor refuses connections; a live one was asked to detach before.
  rmSync(file, { force: true });
  const server = createServer((sock) => serveClient(sock, h));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      chmodSync(file, 0o600);
      server.unref();
      resolve(server);
    });
  });
}

function serveClient(sock: Socket, h: ControlHandlers): void {
  let buf = '';
  const unsubs: (() => void)[] = [];
  const send = (o: unknown) => { if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n'); };
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let req: ControlRequest;
      try { req = JSON.parse(line) as ControlRequest; } catch { send({ id: 0, ok: false, error: 'bad request' }); continue; }
      if (req.op === 'events') {
        unsubs.push(h.subscribe((e) => send({ id: req.id, event: e })));
        send({ id: req.id, ok: true, result: 'subscribed' });
        continue;
      }
      h.handle(req.op, req.args ?? {}).then(
        (result) => send({ id: req.id, ok: true, result }),
        (e: unknown) => send({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
    }
  });
  sock.on('error', () => undefined);
  sock.on('close', () => { for (const u of unsubs) u(); });
}

export class NoSupervisorError extends TscError {
  constructor(project: string) {
    super('NO_SUPERVISOR', `No supervisor is running for project "${project}"`);
  }
}

/** One request, one answer. Rejects with NoSupervisorError when nothing listens. */
export function controlRequest(project: string, op: ControlOp, args: Record<string, unknown> = {}, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(paths.controlSocket(project));
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new TscError('CONTROL_TIMEOUT', `The supervisor of "${project}" did not answer "${op}" within ${timeoutMs} ms`)); }, timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ id: 1, op, args }) + '\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      const r = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: unknown; error?: string };
      if (r.ok) resolve(r.result);
      else reject(new TscError('CONTROL', `Supervisor of "${project}": ${r.error}`));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new NoSupervisorError(project));
      else reject(e);
    });
  });
}

export async function supervisorAlive(project: string): Promise<boolean> {
  try {
    await controlRequest(project, 'ping', {}, 2000);
    return true;
  } catch {
    return false;
  }
}

/** Streams the supervisor's events to `onEvent` until the returned function is called. Rejects when no supervisor listens. */
export function subscribeEvents(project: string, onEvent: (e: ProjectEvent) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(paths.controlSocket(project));
    let buf = '';
    let subscribed = false;
    const close = () => { sock.destroy(); };
    sock.on('connect', () => sock.write(JSON.stringify({ id: 1, op: 'events' }) + '\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)) as { result?: string; event?: ProjectEvent };
        buf = buf.slice(nl + 1);
        if (!subscribed && m.result === 'subscribed') { subscribed = true; resolve(close); }
        if (m.event) onEvent(m.event);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (subscribed) return;
      reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? new NoSupervisorError(project) : e);
    });
  });
}
