// Unpacked layers: `<root>/layers/<chain-id hex>/` is the layer's files, ready to be an overlay
// lower dir. A layer is unpacked into `<root>/tmp/` and renamed into place only once complete and
// its diff ID checked, so a layer dir that exists is whole; two processes unpacking the same layer
// both finish and the loser discards its copy. Within one process concurrent requests share one unpack.
import { existsSync, mkdirSync, renameSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex } from '../sys/random.ts';
import { hexOf } from './digest.ts';
import { digestMismatch } from './errors.ts';
import type { UnpackResult } from './unpack.ts';
import { touchCtime } from './blobs.ts';

export class LayerStore {
  readonly dir: string;
  readonly tmp: string;
  private pending = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.dir = join(root, 'layers');
    this.tmp = join(root, 'tmp');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  path(chainId: string): string {
    return join(this.dir, hexOf(chainId));
  }

  has(chainId: string): boolean {
    return existsSync(this.path(chainId));
  }

  /** The layer dir for `chainId`, unpacking `blobFile` first if needed (its diff ID must be `diffId`). */
  ensure(chainId: string, diffId: string, blobFile: string): Promise<string> {
    const dst = this.path(chainId);
    if (existsSync(dst)) {
      touchCtime(dst); // in use by whatever runs now (leases, executor/image/lease.ts)
      return Promise.resolve(dst);
    }
    let p = this.pending.get(chainId);
    if (!p) {
      p = this.unpackInto(chainId, blobFile, diffId).finally(() => this.pending.delete(chainId));
      this.pending.set(chainId, p);
    }
    return p;
  }

  private async unpackInto(chainId: string, blobFile: string, diffId: string): Promise<string> {
    const { dir, result } = await this.unpackTemp(blobFile);
    return this.commit(dir, chainId, diffId, result);
  }

  /** Unpacks into a fresh temp dir (for imports, whose diff ID is only known afterwards). */
  async unpackTemp(blobFile: string): Promise<{ dir: string; result: UnpackResult }> {
    const dir = join(this.tmp, `layer-${process.pid}-${randomHex(6)}`);
    mkdirSync(dir, { mode: 0o755 });
    try {
      // Loaded on first use: tar and zlib stay out of processes that only resolve images (the supervisor).
      const { unpackLayer } = await import('./unpack.ts');
      return { dir, result: await unpackLayer(blobFile, dir) };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Moves a temp dir into place as `chainId` after checking its diff ID. */
  commit(tmpDir: string, chainId: string, diffId: string, result: UnpackResult | undefined): string {
    if (result && result.diffId !== diffId) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw digestMismatch(`layer ${chainId} (uncompressed)`, diffId, result.diffId);
    }
    const dst = this.path(chainId);
    try {
      renameSync(tmpDir, dst);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      rmSync(tmpDir, { recursive: true, force: true }); // another process finished the same layer first
    }
    return dst;
  }

  remove(chainId: string): void {
    // Renamed away first, so a half-deleted layer is never mistaken for a whole one.
    const dst = this.path(chainId);
    if (!existsSync(dst)) return;
    const trash = join(this.tmp, `rm-${randomHex(6)}`);
    renameSync(dst, trash);
    rmSync(trash, { recursive: true, force: true });
  }

  list(): string[] {
    return readdirSync(this.dir).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }
}
