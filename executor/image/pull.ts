import type { ImageInfo, ImageStore } from './store.ts';
import { ImageError } from './errors.ts';
export interface PullProgress { layer: string; done: number; total: number }
export interface PullOptions { platform?: string; insecure?: boolean; onProgress?: (p: PullProgress) => void }
export async function pullImage(_store: ImageStore, ref: string, _opts: PullOptions): Promise<ImageInfo> {
  throw new ImageError('NOT_IMPLEMENTED', `pull ${ref}: not implemented yet`);
}
