// Durations and byte sizes in compose's notations. Parsing follows what compose-go accepts
// (Go durations with d/w extensions; docker/go-units RAMInBytes: binary multipliers, optional
// "b"/"ib"); formatting follows what `docker compose config` prints (Go's time.Duration.String(),
// sizes as decimal byte counts).

const DUR_UNITS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000,
};
const DUR_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/y;

/** Parses a duration to milliseconds; undefined when the text is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return v === 0 ? 0 : undefined;
  if (typeof v !== 'string') return undefined;
  let s = v.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  DUR_PART.lastIndex = 0;
  while (DUR_PART.lastIndex < s.length) {
    const m = DUR_PART.exec(s);
    if (!m) return undefined;
    total += parseFloat(m[1]!) * DUR_UNITS[m[2]!]!;
  }
  return sign * Math.round(total * 1e6) / 1e6;
}

/** Go's time.Duration.String() of a millisecond count: "30s", "1m30s", "1h0m0s", "500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let a = Math.abs(ms);
  let out: string;
  if (a < 1000) {
    if (a >= 1) out = `${trimNum(a)}ms`;
    else if (a >= 1e-3) out = `${trimNum(a * 1e3)}µs`;
    else out = `${trimNum(a * 1e6)}ns`;
  } else {
    const h = Math.floor(a / 3_600_000);
    a -= h * 3_600_000;
    const m = Math.floor(a / 60_000);
    a -= m * 60_000;
    const s = `${trimNum(a / 1000)}s`;
    out = h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimNum(n: number): string {
  return String(Math.round(n * 1e9) / 1e9);
}

const SIZE = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i;
const SIZE_MULT: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Parses a byte size ("512m", "1g", "1.5GiB", 1024, "-1") to a number; undefined when invalid. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  const m = SIZE.exec(s);
  if (!m) return undefined;
  const mult = m[2] ? SIZE_MULT[m[2].toLowerCase()]! : 1;
  return Math.floor(parseFloat(m[1]!) * mult);
}

export function formatBytes(n: number): string {
  return String(n);
}
