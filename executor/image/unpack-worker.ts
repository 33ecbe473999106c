// Layer unpacks on a worker thread. Unpacking is synchronous file-system work per tar chunk (a few
// ms each); on the main thread it starved everything else on the event loop — parallel downloads
// of a pull slowed to a crawl, and a supervisor must stay responsive while it pulls. One worker is
// kept per process and reused (starting one costs ~50–200 ms); jobs run one after another in it.
import { parentPort } from 'node:worker_threads';
import { unpackLayerHere } from './unpack.ts';
import { TscError } from '../../schema/errors.ts';
import { LayerError } from './errors.ts';

export interface UnpackJob { id: number; file: string; dest: string }

parentPort!.on('message', async (job: UnpackJob) => {
  try {
    const result = await unpackLayerHere(job.file, job.dest);
    parentPort!.postMessage({ id: job.id, ok: true, result });
  } catch (e) {
    // Structured clone keeps no class: send the fields the main thread rebuilds the typed error from.
    const error = e instanceof TscError
      ? { code: e.code, message: e.message, hint: e.hint, entry: e instanceof LayerError ? e.entry : undefined }
      : { code: 'BAD_LAYER', message: e instanceof Error ? e.message : String(e) };
    parentPort!.postMessage({ id: job.id, ok: false, error });
  }
});
