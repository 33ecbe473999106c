// v1 `freezer` controller: FROZEN/THAWED. Freezing is asynchronous (FREEZING until every task
// stops), so freeze() waits, re-asserting FROZEN as runc does in case a task raced in.
import { SysError } from '../../../schema/errors.ts';
import { readValue, waitFor, writeValue } from '../files.ts';

export async function freezeV1(dir: string, timeoutMs = 5000): Promise<void> {
  writeValue(dir, 'freezer.state', 'FROZEN');
  const ok = await waitFor(() => {
    const s = readValue(dir, 'freezer.state');
    if (s === 'FROZEN') return true;
    writeValue(dir, 'freezer.state', 'FROZEN');
    return false;
  }, timeoutMs, 2);
  if (!ok) {
    writeValue(dir, 'freezer.state', 'THAWED');
    throw new SysError('freeze', 'ETIMEDOUT', dir, { hint: 'a task did not stop (uninterruptible I/O?); the cgroup was thawed again' });
  }
}

export async function thawV1(dir: string, timeoutMs = 5000): Promise<void> {
  writeValue(dir, 'freezer.state', 'THAWED');
  if (!(await waitFor(() => readValue(dir, 'freezer.state') === 'THAWED', timeoutMs, 2))) throw new SysError('thaw', 'ETIMEDOUT', dir);
}

/** Thaw without waiting (killing tasks: a frozen task cannot die). */
export function thawNow(dir: string): void {
  if (readValue(dir, 'freezer.state') !== 'THAWED') writeValue(dir, 'freezer.state', 'THAWED');
}
