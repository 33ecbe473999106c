// Key path → origin, built lazily. A 1000-service file has ~50k keys, but origins are only read
// when something goes wrong, so recording them costs two array pushes per key and the Map with
// its Origin objects is built on the first read (in place: it is an ordinary Map afterwards).
// A map can also be deferred entirely (OriginMap.deferred): its entries come from a function run on
// the first read — the happy-path parser records no positions at all, and the file is re-parsed
// with positions only when an error asks where a key was written.
import type { Origin } from './errors.ts';

export class OriginMap extends Map<string, Origin> {
  #file: string;
  #keys: string[] = [];
  /** Pairs of (line, col), or offsets when `#toPos` is set. */
  #pos: number[] = [];
  #toPos: ((offset: number) => { line: number; col: number }) | undefined;
  #pending = false;
  /** Where the entries come from, for a deferred map: run on the first read. */
  #fill: (() => Iterable<[string, Origin]>) | undefined;

  constructor(file: string, toPos?: (offset: number) => { line: number; col: number }) {
    super();
    this.#file = file;
    this.#toPos = toPos;
  }

  /** A map whose entries `fill` gives, asked for only when the map is first read. */
  static deferred(file: string, fill: () => Iterable<[string, Origin]>): OriginMap {
    const m = new OriginMap(file);
    m.#fill = fill;
    m.#pending = true;
    return m;
  }

  /** Records the key at a source offset (needs toPos) … */
  addOffset(key: string, offset: number): void {
    this.#keys.push(key);
    this.#pos.push(offset);
    this.#pending = true;
  }

  /** … or at a known line and column. */
  addLineCol(key: string, line: number, col: number): void {
    this.#keys.push(key);
    this.#pos.push(line, col);
    this.#pending = true;
  }

  #materialize(): void {
    if (!this.#pending) return;
    this.#pending = false;
    if (this.#fill) {
      const fill = this.#fill;
      this.#fill = undefined;
      for (const [k, o] of fill()) super.set(k, o);
    }
    const keys = this.#keys;
    const pos = this.#pos;
    this.#keys = [];
    this.#pos = [];
    const file = this.#file;
    if (this.#toPos) {
      for (let i = 0; i < keys.length; i++) {
        const p = this.#toPos(pos[i]!);
        super.set(keys[i]!, { file, line: p.line, col: p.col });
      }
    } else {
      for (let i = 0; i < keys.length; i++) super.set(keys[i]!, { file, line: pos[2 * i]!, col: pos[2 * i + 1]! });
    }
  }

  override get(key: string): Origin | undefined {
    this.#materialize();
    return super.get(key);
  }
  override has(key: string): boolean {
    this.#materialize();
    return super.has(key);
  }
  override set(key: string, value: Origin): this {
    this.#materialize();
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.#materialize();
    return super.delete(key);
  }
  override get size(): number {
    this.#materialize();
    return super.size;
  }
  override entries(): MapIterator<[string, Origin]> {
    this.#materialize();
    return super.entries();
  }
  override keys(): MapIterator<string> {
    this.#materialize();
    return super.keys();
  }
  override values(): MapIterator<Origin> {
    this.#materialize();
    return super.values();
  }
  override forEach(cb: (value: Origin, key: string, map: Map<string, Origin>) => void, thisArg?: unknown): void {
    this.#materialize();
    super.forEach(cb, thisArg);
  }
  override [Symbol.iterator](): MapIterator<[string, Origin]> {
    return this.entries();
  }
}
