// Spawning the native helper and speaking its protocol. The helper gets the compact spec on
// fd 4 (a pipe we write and close) and talks back on fd 3 (a socketpair: libuv makes one for
// every 'pipe' slot); see native/helper.c.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { TscError } from '../../schema/errors.ts';
import { decodeMessage, LineSplitter, type HelperMessage } from './protocol.ts';

/** build/tscompose-helper of this checkout, or $TSCOMPOSE_HELPER. */
export function helperPath(): string {
  const p = process.env.TSCOMPOSE_HELPER ?? fileURLToPath(new URL('../../build/tscompose-helper', import.meta.url));
  if (!existsSync(p)) {
    throw new TscError('HELPER_MISSING', `The launch helper ${p} is not built`, { hint: 'run scripts/install (or scripts/build-native)' });
  }
  return p;
}

export interface HelperProcess {
  child: ChildProcess;
  /** Every message, in order; ends when the helper closes the socket. */
  messages: AsyncIterable<HelperMessage>;
}

/**
 * Starts `tscompose-helper MODE fd:4` with the spec bytes on fd 4. `stdio` covers fds 0–2 of
 * the helper (and, for exec, of the process it runs).
 */
export function startHelper(mode: 'run' | 'exec', spec: Buffer, o: { detached: boolean; stdio: StdioOptions; label?: string; fd5?: number; fd6?: number }): HelperProcess {
  const base = Array.isArray(o.stdio) ? o.stdio.slice(0, 3) : [o.stdio, o.stdio, o.stdio];
  // fd5/fd6: our fds handed to the helper as its fds 5 and 6 (`run -i`: our stdin, `run -t`: our stdout).
  const extra = o.fd6 !== undefined ? [o.fd5 ?? 'ignore', o.fd6] : o.fd5 !== undefined ? [o.fd5] : [];
  const stdio = [...base, 'pipe', 'pipe', ...extra] as StdioOptions;
  const child = spawn(helperPath(), [mode, 'fd:4', ...(o.label ? [o.label] : [])], { detached: o.detached, stdio });
  // A failed spawn (EAGAIN, EMFILE, a removed binary) comes as an event; without a listener it
  // would crash the supervisor. Recorded here, reported as the helper's end by exitOf.
  child.on('error', (e) => { (child as ChildProcess & { spawnError?: Error }).spawnError = e; });
  const sock = child.stdio[3] as Readable;
  const specIn = child.stdio[4] as Writable;
  // A helper that dies early makes these EPIPE/ECONNRESET; the missing message says it all.
  sock.on('error', () => {});
  specIn.on('error', () => {});
  specIn.end(spec);
  return { child, messages: readMessages(sock) };
}

async function* readMessages(sock: Readable): AsyncGenerator<HelperMessage> {
  const split = new LineSplitter();
  sock.setEncoding('utf8');
  for await (const chunk of sock) {
    for (const line of split.push(chunk as string)) yield decodeMessage(line);
  }
}

/** How the helper ended, as text for an error message: its exit code, signal or spawn error. */
export function exitOf(child: ChildProcess): Promise<string> {
  const spawnError = () => (child as ChildProcess & { spawnError?: Error }).spawnError;
  const now = () => spawnError()?.message ?? (child.exitCode !== null || child.signalCode !== null ? String(child.exitCode ?? child.signalCode) : undefined);
  const known = now();
  if (known !== undefined) return Promise.resolve(known);
  return new Promise((res) => {
    child.once('exit', (c, s) => res(String(c ?? s)));
    child.once('error', (e) => res(e.message));
  });
}
