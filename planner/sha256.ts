// sha256 (hex) for the config hash, link names and chain IDs, without `node:crypto` in the
// per-project supervisor.
//
// Why: loading node:crypto initialises OpenSSL and touches its pages of the node binary, ~2.5 MB
// of RSS for good (bench/up-down/README.md), and the supervisor lives as long as the stack (goal
// ≤ 60 MB). It hashes little (a few short texts per container), so there it uses fast-sha256 (pure
// JS, one 15 KB file). With the supervisor's flags (lite mode, 1 MB semi-spaces, one malloc arena),
// a bare script measured node:crypto +2.6 MB, fast-sha256 +0.5 MB, @noble/hashes +1.3 MB (its sha2
// module builds SHA-512 tables with BigInt at import; it is also 2× slower in lite mode).
// Everywhere else node:crypto is the faster one by far (0.5 vs ~4.7 µs for a 300-byte text with the
// optimizing compilers; the supervisor runs in lite mode, where the JS one takes ~90 µs: fine for
// tens of services, too slow for the CLI's 10k-service plans), and it is loaded on the first hash
// only. Both give the same digest (test/unit/supervisor/sha256.test.ts).
// fast-sha256 is CommonJS in a UMD wrapper (no named exports for ESM): its default export carries `hash`.
import fastSha256 from 'fast-sha256';

/** Set in a detached supervisor's environment (cli/commands/project-target.ts supervisorEnv). */
export const SUPERVISOR_ENV = 'TSCOMPOSE_SUPERVISOR';

const utf8 = new TextEncoder();
type HashFn = (data: Uint8Array | string) => string;

/** The pure-JS sha256, hex. */
export function smallSha256Hex(data: Uint8Array | string): string {
  const digest = fastSha256.hash(typeof data === 'string' ? utf8.encode(data) : data);
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

let nodeHash: HashFn | undefined;
/** node:crypto's one-shot sha256, hex; the module is loaded on the first call. */
export function nodeSha256Hex(data: Uint8Array | string): string {
  if (!nodeHash) {
    const { hash } = process.getBuiltinModule('node:crypto');
    nodeHash = (d) => hash('sha256', d, 'hex');
  }
  return nodeHash(data);
}

/**
 * Above this many bytes (code units of a string) a supervisor uses node:crypto after all: ~8 ms
 * of lite-mode CPU for 16 KB, against a blob a pull writes (megabytes) that would take seconds.
 */
export const SMALL_MAX = 16 * 1024;

function supervisorSha256Hex(data: Uint8Array | string): string {
  return data.length <= SMALL_MAX ? smallSha256Hex(data) : nodeSha256Hex(data);
}

/** sha256 of `data` (a string as UTF-8), lower-case hex: the small one in a supervisor. */
export const sha256Hex: HashFn = process.env[SUPERVISOR_ENV] === '1' ? supervisorSha256Hex : nodeSha256Hex;
