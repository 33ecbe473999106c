// The one error renderer: a short message and hint for users; --debug adds the cause chain and stack.
import { TscError, errorChain } from '../schema/errors.ts';

export function renderError(e: unknown, opts: { debug: boolean }): number {
  const write = (s: string) => process.stderr.write(s + '\n');
  if (e instanceof TscError) {
    write(e.message);
    if (e.hint) write(`hint: ${e.hint}`);
  } else {
    // Not one of ours: still no raw stack trace unless asked for.
    write(`Unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    if (!opts.debug) write('hint: run again with --debug for details, and report it as a bug');
  }
  if (opts.debug) {
    for (const line of errorChain(e).slice(1)) write(`  caused by: ${line}`);
    if (e instanceof Error && e.stack) write(e.stack);
  }
  return e instanceof TscError ? e.exitCode : 1;
}
