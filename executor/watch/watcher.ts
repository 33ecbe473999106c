// File events from the host, through chokidar (inotify underneath). Kept behind a tiny factory
// type so the session can be tested with a fake event source, and so another backend could
// replace chokidar without touching the session.
import { FSWatcher } from 'chokidar';

export type FileEventType = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';
export interface FileEvent { type: FileEventType; path: string }

export interface PathWatcher {
  /** Resolves once the initial scan is done: events after it are real changes. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export type WatcherFactory = (
  paths: string[],
  ignored: (abs: string) => boolean,
  onEvent: (e: FileEvent) => void,
  onError: (e: unknown) => void,
) => PathWatcher;

const TYPES = new Set<string>(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

export const chokidarWatcher: WatcherFactory = (paths, ignored, onEvent, onError) => {
  const w = new FSWatcher({
    ignoreInitial: true,
    // A symlink in the source is synced as a symlink; what it points to is not ours to watch.
    followSymlinks: false,
    // Our own batcher coalesces unlink+add of an atomic save; chokidar's 100 ms hold would only add latency.
    atomic: false,
    persistent: true,
    ignored: (p: string) => ignored(p),
  });
  const ready = new Promise<void>((res) => w.once('ready', () => res()));
  w.on('all', (type: string, path: string) => { if (TYPES.has(type)) onEvent({ type: type as FileEventType, path }); });
  w.on('error', (e: unknown) => onError(e));
  w.add(paths);
  return { ready, close: () => w.close() };
};
