// errno is a table: numbers from the kernel become names once, here; logic compares names.
import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  // Several names share a number (EWOULDBLOCK = EAGAIN); keep the first, the common one.
  if (!byNumber.has(num)) byNumber.set(num, name);
}

export function errnoName(n: number): string {
  return byNumber.get(n) ?? `errno ${n}`;
}

export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}
