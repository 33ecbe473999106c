// Random ids and temp-file suffixes from /dev/urandom, not node:crypto: the per-project supervisor
// makes container, network and volume ids, and loading node:crypto (or the Web Crypto global, which
// loads the same binding) costs it ~2.5 MB (~1.8 MB) of RSS for good (bench/up-down/README.md).
// Only randomness is needed here; the kernel's pool is the same one node:crypto seeds from.
import { closeSync, openSync, readSync } from 'node:fs';

/** `bytes` random bytes as lower-case hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  const buf = Buffer.allocUnsafe(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    let got = 0;
    while (got < bytes) {
      const n = readSync(fd, buf, got, bytes - got, null);
      if (n === 0) throw new Error('/dev/urandom: end of file'); // never on Linux; no endless loop
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf.toString('hex');
}
