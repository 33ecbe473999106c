// The one handle on libc. Every koffi binding in the project lives under executor/sys/ and
// goes through `libc` and `check` here, so errno is read right after each call (koffi.errno())
// and turned into a typed SysError before any other code runs on this thread.
import koffi from 'koffi';
import { SysError } from '../../schema/errors.ts';
import { errnoName } from './errno.ts';

export const libc = koffi.load('libc.so.6');
export { koffi };

/** Current errno as a symbolic name (`EBUSY`). Call immediately after the failed libc call. */
export function lastErrno(): string {
  return errnoName(koffi.errno());
}

/** Throws a SysError when a libc call returned -1 (or `failed(ret)`), naming the op and path. */
export function check<T>(op: string, ret: T, path?: string, failed: (r: T) => boolean = (r) => (r as unknown as number) === -1): T {
  if (failed(ret)) throw new SysError(op, lastErrno(), path);
  return ret;
}
