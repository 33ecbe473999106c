// Everything that happens to a project, as one event type: the progress renderer, `up`'s log
// printer, `events --json`, `--wait` and the abort rules all consume the same stream.
export type EventAction =
  | 'create' | 'created' | 'recreate' | 'start' | 'started' | 'stop' | 'stopped' | 'kill' | 'die' | 'restart'
  | 'health_status' | 'remove' | 'removed' | 'pause' | 'unpause' | 'waiting' | 'healthy' | 'error'
  | 'network-create' | 'network-created' | 'network-remove' | 'network-removed'
  | 'volume-create' | 'volume-created' | 'volume-remove' | 'volume-removed' | 'exited' | 'info'
  // down --rmi; `image-kept`: another container still uses it; `image-missing`: nothing to remove.
  | 'pull' | 'pulled' | 'image-remove' | 'image-removed' | 'image-kept' | 'image-missing';

export interface ProjectEvent {
  time: string;
  type: 'container' | 'network' | 'volume' | 'image' | 'project';
  action: EventAction;
  /** Container, network or volume name; image reference. */
  name: string;
  service?: string;
  id?: string;
  detail?: string;
  exitCode?: number;
}

export type Emit = (e: Omit<ProjectEvent, 'time'>) => void;

export class EventBus {
  private readonly subs = new Set<(e: ProjectEvent) => void>();
  /** Everything so far, so a late subscriber (the `up -d` client) sees the whole story. */
  readonly history: ProjectEvent[] = [];
  private readonly keep: number;

  constructor(keep = 2000) {
    this.keep = keep;
  }

  emit: Emit = (e) => {
    const ev: ProjectEvent = { time: new Date().toISOString(), ...e };
    this.history.push(ev);
    if (this.history.length > this.keep) this.history.shift();
    for (const s of this.subs) s(ev);
  };

  subscribe(fn: (e: ProjectEvent) => void): () => void {
    this.subs.add(fn);
    return () => { this.subs.delete(fn); };
  }
}
