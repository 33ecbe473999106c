// Scalar conversions the rule tables share. Values that came through interpolation are strings,
// so like compose-go's type casts after interpolation these accept "8080", "true", "yes", "0.5".

export class Bad {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

export function toBool(v: unknown): boolean | Bad {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (['true', 'yes', 'y', 'on', '1'].includes(s)) return true;
    if (['false', 'no', 'n', 'off', '0', ''].includes(s)) return false;
  }
  return new Bad(`must be a boolean, got ${show(v)}`);
}

export function toInt(v: unknown): number | Bad {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return Number(v);
  return new Bad(`must be an integer, got ${show(v)}`);
}

export function toNumber(v: unknown): number | Bad {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return new Bad(`must be a number, got ${show(v)}`);
}

/** String form of a scalar as compose prints it (numbers and booleans become their text). */
export function toStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

export function show(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/**
 * `KEY=VALUE` list or mapping → mapping. A list entry without "=" has no value (null), which
 * for environment means "take it from the shell" and for labels means an empty string.
 */
export function toMapping(v: unknown, noValue: null | ''): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = toStr(item);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = noValue;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out[k] = x === null ? noValue : toStr(x);
  }
  return out;
}

/** Splits a command string like a POSIX shell would (quotes, backslashes), without expansion. */
export function shellSplit(s: string): string[] | Bad {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | '' = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q === "'") {
      if (c === "'") q = '';
      else cur += c;
    } else if (q === '"') {
      if (c === '"') q = '';
      else if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (q) return new Bad(`unterminated ${q === '"' ? 'double' : 'single'} quote in "${s}"`);
  if (has || cur) out.push(cur);
  return out;
}
