// Digests and chain IDs (OCI image-spec "Layer ChainID"): a layer's unpacked dir is keyed by the
// chain of diff IDs below and including it, as docker and containerd do.
// sha256Hex: node:crypto, but not in a supervisor, which computes chain IDs (planner/sha256.ts).
import { sha256Hex } from '../../planner/sha256.ts';
import { ImageError } from './errors.ts';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function sha256(data: Buffer | string): string {
  return 'sha256:' + sha256Hex(data);
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** The hex part of a sha256 digest, checked: digests become file names, so nothing else may pass. */
export function hexOf(digest: string): string {
  if (!DIGEST.test(digest)) throw new ImageError('BAD_DIGEST', `not a sha256 digest: ${JSON.stringify(digest)}`);
  return digest.slice(7);
}

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}
