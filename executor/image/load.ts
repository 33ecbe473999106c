import type { ImageInfo, ImageStore } from './store.ts';
import { ImageError } from './errors.ts';
export async function loadArchive(_store: ImageStore, file: string): Promise<ImageInfo[]> {
  throw new ImageError('NOT_IMPLEMENTED', `load ${file}: not implemented yet`);
}
