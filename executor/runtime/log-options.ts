// `logging: {driver: json-file|local, options: {max-size: "10m", max-file: "3"}}` → the waiter's
// rotation settings. Docker's units for max-size: k, m, g (powers of 1024); max-file counts
// every file including the current one. Other drivers cannot be honoured: a clear error.
import { TscError } from '../../schema/errors.ts';
import type { Service } from '../../schema/model.ts';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

export function logOptions(s: Service, name = 'service'): { logMaxSize?: number; logMaxFiles?: number } {
  const driver = s.logging?.driver ?? 'json-file';
  // `none` is accepted (the log file is still written: `logs` needs it for restarts and CI dumps).
  if (!['json-file', 'local', 'none'].includes(driver)) {
    throw new TscError('LOGGING', `Service "${name}": logging driver "${driver}" is not supported`, { hint: 'tscompose writes container logs to a file: use json-file (or local), with max-size / max-file' });
  }
  const o = s.logging?.options ?? {};
  const out: { logMaxSize?: number; logMaxFiles?: number } = {};
  const size = o['max-size'];
  if (size !== undefined && size !== '-1') {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(String(size).trim());
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new TscError('LOGGING', `Service "${name}": invalid logging max-size "${size}"`, { hint: 'e.g. 10m, 500k, 1g' });
    out.logMaxSize = Math.floor(Number(m[1]) * unit);
  }
  const files = o['max-file'];
  if (files !== undefined) {
    const n = Number(files);
    if (!Number.isInteger(n) || n < 1) throw new TscError('LOGGING', `Service "${name}": invalid logging max-file "${files}"`, { hint: 'a whole number, at least 1' });
    out.logMaxFiles = n;
  }
  return out;
}
