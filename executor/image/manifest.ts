// Writing an image we made ourselves (import, load of a docker save archive): config + manifest
// blobs and the ref, in that order, so a ref never points at a manifest that is not stored.
import type { ImageStore } from './store.ts';
import { MT, type Descriptor, type ImageConfigBlob, type Manifest } from './oci.ts';

export function writeImage(store: ImageStore, cfg: ImageConfigBlob, layers: Descriptor[]): { manifestDigest: string; configDigest: string } {
  const cfgBytes = Buffer.from(JSON.stringify(cfg));
  const c = store.blobs.putBytes(cfgBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: c.digest, size: c.size },
    layers,
  };
  const m = store.blobs.putBytes(Buffer.from(JSON.stringify(manifest)));
  return { manifestDigest: m.digest, configDigest: c.digest };
}
