// Key path → origin, built lazily. A 1000-service file has ~50k keys, but origins are only read
// when something goes wrong, so recording them costs two array pushes per key and the Map with
// its Origin objects is built on the first read (in place: it is an ordinary Map afterwards).
import type { Origin } from './errors.ts';

export class OriginMap extends Map<string, Origin> {
  #file: string;
  #keys: string[] = [];
  /** Pairs of (line, col), or offsets when `#toPos` is set. */
  #pos: number[] = [];
  #toPos: ((offset: number) => { line: number; col: number }) | undefined;
  #pending = false;
  /** Entries still serialized (from the parse cache): parsed on the first read. */
  #lazyFlat: string | undefined;

  constructor(file: string, toPos?: (offset: number) => { line: number; col: number }) {
    super();
    this.#file = file;
    this.#toPos = toPos;
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

  /** Entries given as the JSON text of a flat [key, line, col, …] list, parsed only when read. */
  addFlatJson(json: string): void {
    this.#lazyFlat = json;
    this.#pending = true;
  }

  /** The recorded entries as a flat [key, line, col, …] list (for the parse cache). */
  flat(): (string | number)[] {
    const out: (string | number)[] = [];
    for (const [k, o] of this) out.push(k, o.line, o.col);
    return out;
  }

  #materialize(): void {
    if (!this.#pending) return;
    this.#pending = false;
    if (this.#lazyFlat !== undefined) {
      const o = JSON.parse(this.#lazyFlat) as (string | number)[];
      this.#lazyFlat = undefined;
      for (let i = 0; i + 2 < o.length; i += 3) super.set(o[i] as string, { file: this.#file, line: o[i + 1] as number, col: o[i + 2] as number });
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
