// Choosing one manifest from an image index: linux/amd64 unless asked otherwise ("linux/arm64/v8").
import type { Descriptor } from './oci.ts';
import { ImageError } from './errors.ts';

export interface PlatformWanted { os: string; architecture: string; variant: string | undefined }

export function parsePlatform(s: string | undefined): PlatformWanted {
  const [os = 'linux', architecture = 'amd64', variant] = (s ?? 'linux/amd64').toLowerCase().split('/');
  return { os, architecture: architecture === 'x86_64' ? 'amd64' : architecture === 'aarch64' ? 'arm64' : architecture, variant };
}

export function choosePlatform(manifests: Descriptor[], platform?: string): Descriptor {
  const want = parsePlatform(platform);
  const fits = manifests.filter((m) => {
    const p = m.platform;
    if (!p) return false;
    return p.os === want.os && p.architecture === want.architecture && (want.variant === undefined || p.variant === want.variant);
  });
  // Attestation manifests (buildkit) carry platform unknown/unknown and are skipped by the filter.
  const pick = fits[0] ?? (manifests.length === 1 && !manifests[0]!.platform ? manifests[0] : undefined);
  if (!pick) {
    const have = manifests.map((m) => m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? '/' + m.platform.variant : ''}` : '?').join(', ');
    throw new ImageError('NO_PLATFORM', `no image for ${want.os}/${want.architecture}${want.variant ? '/' + want.variant : ''} (the index has: ${have || 'nothing'})`, {
      hint: 'choose one with --platform',
    });
  }
  return pick;
}
