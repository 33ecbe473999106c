// Names our DNS answers, per network: read from the network state files (so a DNS server hosted by
// one process sees containers attached by another), reloaded when those files change and at once
// when this process attaches or detaches a container.
import { watch, type FSWatcher, mkdirSync } from 'node:fs';
import { paths } from '../executor/state/paths.ts';
import { listNetworks, type Endpoint, type NetworkState } from './state.ts';

const live = new Set<NameRegistry>();

/** Called by attach/detach in this process: every registry reloads now, not at the next file event. */
export function notifyRegistry(): void {
  for (const r of live) r.reload();
}

export class NameRegistry {
  #nets: NetworkState[] = [];
  #turn = new Map<string, number>();
  #listeners = new Set<() => void>();
  #watcher: FSWatcher | undefined;
  readonly #load: () => NetworkState[];
  readonly #fromFiles: boolean;

  /** `load` defaults to the network state files; a custom loader (tests) is never file-watched. */
  constructor(load?: () => NetworkState[]) {
    this.#load = load ?? listNetworks;
    this.#fromFiles = load === undefined;
    this.reload();
  }

  /** Follows changes made by other processes (file events under paths.networks()). */
  watchFiles(): this {
    live.add(this);
    if (this.#watcher || !this.#fromFiles) return this;
    try {
      mkdirSync(paths.networks(), { recursive: true, mode: 0o700 });
      this.#watcher = watch(paths.networks(), () => this.reload());
      this.#watcher.unref();
    } catch { /* no inotify: in-process notifications still apply */ }
    return this;
  }

  /** Registers for this process's attach/detach notifications without a file watch. */
  track(): this {
    live.add(this);
    return this;
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    live.delete(this);
  }

  reload(): void {
    this.#nets = this.#load();
    for (const l of this.#listeners) l();
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  networks(): NetworkState[] {
    return this.#nets;
  }

  /** Network whose gateway (our DNS address on it) is `gateway`. */
  byGateway(gateway: string): NetworkState | undefined {
    return this.#nets.find((n) => n.gateway === gateway);
  }

  /**
   * Addresses of `qname` on the network served at `gateway`: every endpoint answering to the name
   * (all replicas of a service), rotated on each call so clients spread over replicas.
   */
  resolve(gateway: string, qname: string, rotate = true): string[] {
    const net = this.byGateway(gateway);
    if (!net) return [];
    const name = qname.replace(/\.$/, '').toLowerCase();
    const hits = Object.values(net.endpoints)
      .filter((e) => e.names.some((n) => n.toLowerCase() === name))
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
      .map((e) => e.address);
    if (hits.length < 2 || !rotate) return hits;
    const key = `${gateway}/${name}`;
    const t = (this.#turn.get(key) ?? 0) % hits.length;
    this.#turn.set(key, t + 1);
    return [...hits.slice(t), ...hits.slice(0, t)];
  }

  /** The endpoint that sent a query (by source address), to pick its `dns:` upstreams. */
  endpointAt(gateway: string, address: string): Endpoint | undefined {
    return Object.values(this.byGateway(gateway)?.endpoints ?? {}).find((e) => e.address === address);
  }
}
