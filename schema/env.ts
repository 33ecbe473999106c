// `.env` and `env_file` parsing with compose's rules (compose-go's dotenv parser, not npm dotenv):
// `KEY=VALUE` (or YAML-style `KEY: VALUE`) lines, optional `export ` prefix, `#` comments (inline only after whitespace in an
// unquoted value), single quotes literal, double quotes with escapes and multi-line values,
// `${VAR}` interpolated from earlier lines of the same file and then from the lookup,
// a bare `KEY` takes its value from the lookup (skipped when unset). `raw` format keeps values as written.
import { interpolateString } from './interpolate.ts';
import type { Lookup } from './interpolate.ts';
import { TscError } from './errors.ts';

export class EnvFileError extends TscError {
  readonly line: number;
  constructor(message: string, line: number) {
    super('ENV_FILE', message, { exitCode: 15 });
    this.line = line;
  }
}

// compose-go accepts letters, digits, "_", ".", "-", "[" and "]" in names.
const KEY = /^[\p{L}\p{N}_.\-[\]]+$/u;
const DQ_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '\\$', "'": "'" };

export function parseEnv(text: string, opts: { lookup?: Lookup; raw?: boolean; onMissing?: (name: string) => void } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const lookup: Lookup = (name) => (name in out ? out[name] : opts.lookup?.(name));
  const src = text.replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const eol = src.indexOf('\n', i);
    const rawLine = src.slice(i, eol < 0 ? src.length : eol);
    const startLine = line;
    let next = eol < 0 ? src.length : eol + 1;
    line++;
    let l = rawLine.replace(/^\s+/, '');
    if (l === '' || l.startsWith('#')) {
      i = next;
      continue;
    }
    if (l.startsWith('export ')) l = l.slice(7).replace(/^\s+/, '');
    const eq = l.search(/[=:]/);
    if (eq < 0) {
      const key = l.trim();
      if (!KEY.test(key)) throw new EnvFileError(`line ${startLine}: invalid variable name "${key}"`, startLine);
      const v = opts.lookup?.(key);
      if (v !== undefined) out[key] = v;
      i = next;
      continue;
    }
    const key = l.slice(0, eq).trim();
    if (!KEY.test(key)) throw new EnvFileError(`line ${startLine}: invalid variable name "${key}"`, startLine);
    let rest = l.slice(eq + 1).replace(/^[ \t]+/, '');
    if (opts.raw) {
      out[key] = rest;
      i = next;
      continue;
    }
    const q = rest[0];
    if (q === "'" || q === '"') {
      // A quoted value may span lines: take text up to the matching unescaped quote.
      let body = rest.slice(1);
      let end = findClose(body, q);
      let consumedTo = next;
      while (end < 0 && consumedTo < src.length) {
        const e2 = src.indexOf('\n', consumedTo);
        body += '\n' + src.slice(consumedTo, e2 < 0 ? src.length : e2);
        consumedTo = e2 < 0 ? src.length : e2 + 1;
        line++;
        end = findClose(body, q);
      }
      if (end < 0) throw new EnvFileError(`line ${startLine}: unterminated quoted value for "${key}"`, startLine);
      next = consumedTo;
      const inner = body.slice(0, end);
      if (q === "'") {
        out[key] = inner;
      } else {
        const unescaped = inner.replace(/\\(.)/g, (m, ch: string) => DQ_ESCAPES[ch] ?? m);
        out[key] = interp(unescaped, lookup, startLine, key, opts.onMissing);
      }
    } else {
      const hash = rest.indexOf(' #');
      if (hash >= 0) rest = rest.slice(0, hash);
      out[key] = interp(rest.trim(), lookup, startLine, key, opts.onMissing);
    }
    i = next;
  }
  return out;
}

function findClose(body: string, q: string): number {
  for (let j = 0; j < body.length; j++) {
    if (body[j] === '\\' && q === '"') {
      j++;
      continue;
    }
    if (body[j] === q) return j;
  }
  return -1;
}

function interp(v: string, lookup: Lookup, line: number, key: string, onMissing?: (name: string) => void): string {
  try {
    // `\$` in a double-quoted value was kept as `\$` above: turn it into `$$` so it stays literal.
    const r = interpolateString(v.replace(/\\\$/g, '$$$$'), { lookup, ...(onMissing ? { onMissing } : {}) });
    return r;
  } catch (e) {
    throw new EnvFileError(`line ${line}: ${key}: ${(e as Error).message}`, line);
  }
}
