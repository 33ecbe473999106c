// Runs syncInto on a worker thread. A 2,000-file checkout costs seconds of file creation on a
// slow disk (FACTS: ~1 ms per new file here); done on the main thread it would stall the file
// watcher, the logs and, under `up --watch`, the supervisor. The worker keeps the event loop free
// and the protocol is one request → one reply, in order.
import { Worker, parentPort, isMainThread } from 'node:worker_threads';
import { TscError } from '../../schema/errors.ts';
import { syncInto, type Owner, type SyncOp, type SyncResult } from './sync.ts';

export type SyncRunner = (root: string, ops: SyncOp[], owner: Owner) => Promise<SyncResult>;

interface Request { id: number; root: string; ops: SyncOp[]; owner: Owner }
interface WireError { code: string; message: string; hint: string | undefined }
interface Reply { id: number; result?: Omit<SyncResult, 'errors'> & { errors: WireError[] }; fatal?: WireError }

const toWire = (e: unknown): WireError => e instanceof TscError
  ? { code: e.code, message: e.message, hint: e.hint }
  : { code: 'WATCH_SYNC', message: e instanceof Error ? e.message : String(e), hint: undefined };
const fromWire = (w: WireError): TscError => new TscError(w.code, w.message, w.hint === undefined ? {} : { hint: w.hint });

/** The same work on the calling thread (tests, or where a worker cannot start). */
export const inlineSync: SyncRunner = async (root, ops, owner) => syncInto(root, ops, owner);

export interface WorkerSync { run: SyncRunner; close(): Promise<void> }

export function startSyncWorker(): WorkerSync {
  const worker = new Worker(new URL(import.meta.url));
  worker.unref();
  let next = 1;
  const waiting = new Map<number, { resolve: (r: SyncResult) => void; reject: (e: unknown) => void }>();
  // Once the worker is gone (it failed to start, or crashed), syncs run inline: slower for the
  // event loop, but never lost.
  let dead = false;
  const failAll = (e: unknown) => { dead = true; for (const w of waiting.values()) w.reject(e); waiting.clear(); };
  worker.on('message', (m: Reply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.fatal) w.reject(fromWire(m.fatal));
    else w.resolve({ ...m.result!, errors: m.result!.errors.map(fromWire) });
  });
  worker.on('error', (e) => failAll(new TscError('WATCH_SYNC', `sync worker failed: ${e.message}`, { cause: e })));
  worker.on('exit', () => failAll(new TscError('WATCH_SYNC', 'sync worker exited')));
  return {
    run(root, ops, owner) {
      if (dead) return inlineSync(root, ops, owner);
      const id = next++;
      return new Promise<SyncResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, root, ops, owner } satisfies Request);
      });
    },
    async close() { dead = true; await worker.terminate(); },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (m: Request) => {
    let reply: Reply;
    try {
      const r = syncInto(m.root, m.ops, m.owner);
      reply = { id: m.id, result: { ...r, errors: r.errors.map(toWire) } };
    } catch (e) {
      reply = { id: m.id, fatal: toWire(e) };
    }
    port.postMessage(reply);
  });
}
