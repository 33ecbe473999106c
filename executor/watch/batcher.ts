// Debounce and coalesce file events per key (a service): events for one key gather in a map by
// path until the key has been quiet for `quietMs` (or `maxWaitMs` has passed since the first
// one, so a never-ending trickle still syncs), then the whole map is handed over as ONE batch.
// While a key's batch is being applied, new events gather into the next batch: per key there is
// at most one batch in flight, so a `git checkout` of thousands of files is one sync and one
// restart, and an editor's temp-file + rename is one entry for the final path.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface BatcherOptions {
  /** Quiet time that closes a batch of a few paths. Small: it is added to every edit's latency. */
  quietMs: number;
  /**
   * Quiet time once a batch holds `burstSize` paths or more: a checkout or a build writing many
   * files has gaps longer than a single save's quiet time, and it should still be ONE batch.
   * Default: quietMs (no burst mode).
   */
  burstQuietMs?: number;
  burstSize?: number;
  /** Longest a batch stays open while events keep coming. */
  maxWaitMs: number;
  clock?: Clock;
}

export type BatchRunner<E> = (key: string, batch: Map<string, E>) => Promise<void>;

interface KeyState<E> {
  pending: Map<string, E>;
  /** Longest quiet time asked for by an entry of the pending batch. */
  quiet: number;
  firstAt: number;
  lastAt: number;
  timer: unknown;
  running: Promise<void> | undefined;
}

export class Batcher<E> {
  readonly #opts: Required<BatcherOptions>;
  readonly #run: BatchRunner<E>;
  readonly #merge: (prev: E | undefined, next: E) => E;
  readonly #keys = new Map<string, KeyState<E>>();
  #closed = false;
  #onError: (key: string, e: unknown) => void;

  constructor(opts: BatcherOptions, run: BatchRunner<E>, merge: (prev: E | undefined, next: E) => E,
    onError: (key: string, e: unknown) => void = () => {}) {
    this.#opts = { clock: realClock, burstQuietMs: opts.quietMs, burstSize: 16, ...opts };
    this.#run = run;
    this.#merge = merge;
    this.#onError = onError;
  }

  /**
   * Adds an event. `quietMs` overrides the default quiet time for the batch it joins (the longest
   * asked for wins): a sync-only change can go out after a few ms, while a change that restarts a
   * service is worth waiting for, since a second restart costs far more than the wait.
   */
  add(key: string, path: string, entry: E, quietMs?: number): void {
    if (this.#closed) return;
    const now = this.#opts.clock.now();
    let st = this.#keys.get(key);
    if (!st) {
      st = { pending: new Map(), quiet: 0, firstAt: now, lastAt: now, timer: undefined, running: undefined };
      this.#keys.set(key, st);
    }
    if (st.pending.size === 0) { st.firstAt = now; st.quiet = 0; }
    st.quiet = Math.max(st.quiet, quietMs ?? this.#opts.quietMs);
    st.lastAt = now;
    st.pending.set(path, this.#merge(st.pending.get(path), entry));
    if (!st.running) this.#arm(key, st);
  }

  /** Number of paths waiting for `key` (not counting a batch being applied). */
  pendingCount(key: string): number {
    return this.#keys.get(key)?.pending.size ?? 0;
  }

  /** Resolves when no batch is pending or running for any key. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.#keys.values()].filter((s) => s.running || s.pending.size > 0);
      if (busy.length === 0) return;
      const running = busy.map((s) => s.running).filter((p): p is Promise<void> => !!p);
      if (running.length > 0) await Promise.all(running);
      else await new Promise((r) => setTimeout(r, 1));
    }
  }

  close(): void {
    this.#closed = true;
    for (const st of this.#keys.values()) {
      if (st.timer !== undefined) this.#opts.clock.clearTimeout(st.timer);
      st.timer = undefined;
      st.pending.clear();
    }
  }

  #arm(key: string, st: KeyState<E>): void {
    const { clock, quietMs, maxWaitMs, burstQuietMs, burstSize } = this.#opts;
    if (st.timer !== undefined) clock.clearTimeout(st.timer);
    const now = clock.now();
    const quiet = st.pending.size >= burstSize ? Math.max(burstQuietMs, st.quiet) : (st.quiet || quietMs);
    const due = Math.min(st.lastAt + quiet, st.firstAt + maxWaitMs);
    st.timer = clock.setTimeout(() => this.#fire(key, st), Math.max(0, due - now));
  }

  #fire(key: string, st: KeyState<E>): void {
    st.timer = undefined;
    if (this.#closed || st.running || st.pending.size === 0) return;
    const batch = st.pending;
    st.pending = new Map();
    st.running = this.#run(key, batch)
      .catch((e) => this.#onError(key, e))
      .finally(() => {
        st.running = undefined;
        // Events that came in meanwhile form the next batch, debounced from their own last event.
        if (st.pending.size > 0 && !this.#closed) this.#arm(key, st);
      });
  }
}
