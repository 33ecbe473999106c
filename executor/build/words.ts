// Dockerfile word processing (BuildKit's shell lexer, the parts instructions use): quotes,
// backslash escapes and variable expansion in one pass, so `'$A'` stays literal and `"$A b"` is
// one word. Used for ENV/ARG/LABEL pairs and for the arguments of FROM, COPY, ADD, WORKDIR, USER,
// EXPOSE, VOLUME, STOPSIGNAL and the --from/--chown/--chmod flags. RUN/CMD/ENTRYPOINT are not
// expanded here: their shell does it, with the build args in its environment.
// Pure: no I/O.

export type Vars = (name: string) => string | undefined;

export class WordError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Splits `text` into words and expands variables. `escape` is the Dockerfile's escape character
 * (`\` or `` ` ``). With `expand: false` quotes are still removed (ENV keys, ONBUILD are not expanded).
 */
export function processWords(text: string, vars: Vars, opts: { escape?: string; expand?: boolean } = {}): string[] {
  return lex(text, vars, { ...opts, split: true });
}

function lex(text: string, vars: Vars, opts: { escape?: string; expand?: boolean; split: boolean }): string[] {
  const esc = opts.escape ?? '\\';
  const expand = opts.expand !== false;
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (opts.split && (c === ' ' || c === '\t' || c === '\n' || c === '\r')) {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      i++;
      continue;
    }
    inWord = true;
    if (c === esc) {
      if (i + 1 < n) cur += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new WordError('unexpected end of statement while looking for matching single-quote');
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new WordError('unexpected end of statement while looking for matching double-quote');
        const d = text[i]!;
        if (d === '"') { i++; break; }
        if (d === esc && i + 1 < n && (text[i + 1] === '"' || text[i + 1] === esc || text[i + 1] === '$')) {
          cur += text[i + 1];
          i += 2;
        } else if (d === '$' && expand) {
          const r = expandAt(text, i, vars, esc);
          cur += r.value;
          i = r.next;
        } else {
          cur += d;
          i++;
        }
      }
    } else if (c === '$' && expand) {
      const r = expandAt(text, i, vars, esc);
      i = r.next;
      if (!opts.split) { cur += r.value; continue; }
      // An unquoted expansion is split on blanks, as the shell does (`COPY $FILES /dst/`).
      const parts = r.value.split(/[ \t\n]+/);
      cur += parts[0]!;
      for (const p of parts.slice(1)) {
        if (cur !== '') words.push(cur);
        cur = p;
      }
      if (cur === '' && parts.length > 1) inWord = false;
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** One word: the whole text with quotes removed and variables expanded (blanks kept, as docker's ProcessWord). */
export function processWord(text: string, vars: Vars, opts: { escape?: string } = {}): string {
  return lex(text, vars, { ...opts, split: false }).join('');
}

function expandAt(text: string, i: number, vars: Vars, esc: string): { value: string; next: number } {
  // text[i] === '$'
  const next = text[i + 1];
  if (next === '{') {
    let j = i + 2;
    let name = '';
    while (j < text.length && NAME_CHAR.test(text[j]!)) name += text[j++];
    if (!name) throw new WordError(`bad substitution in ${JSON.stringify(text)}`);
    if (text[j] === '}') return { value: vars(name) ?? '', next: j + 1 };
    let op = text[j]!;
    j++;
    if (op === ':') {
      op += text[j] ?? '';
      j++;
    }
    // the word up to the matching brace, itself expanded
    let depth = 1;
    let k = j;
    while (k < text.length) {
      if (text[k] === esc) { k += 2; continue; }
      if (text[k] === '{') depth++;
      if (text[k] === '}' && --depth === 0) break;
      k++;
    }
    if (k >= text.length) throw new WordError(`missing '}' in ${JSON.stringify(text)}`);
    const word = () => processWords(text.slice(j, k), vars, { escape: esc }).join(' ');
    const v = vars(name);
    let value: string;
    switch (op) {
      case ':-': value = v ? v : word(); break;
      case '-': value = v !== undefined ? v : word(); break;
      case ':+': value = v ? word() : ''; break;
      case '+': value = v !== undefined ? word() : ''; break;
      case ':?': if (!v) throw new WordError(`${name}: ${word() || 'is not allowed to be empty'}`); value = v; break;
      case '?': if (v === undefined) throw new WordError(`${name}: ${word() || 'is not allowed to be unset'}`); value = v; break;
      default: throw new WordError(`unsupported modifier (${op}) in substitution ${JSON.stringify(text.slice(i, k + 1))}`);
    }
    return { value, next: k + 1 };
  }
  if (next !== undefined && NAME_START.test(next)) {
    let j = i + 1;
    let name = '';
    while (j < text.length && NAME_CHAR.test(text[j]!)) name += text[j++];
    return { value: vars(name) ?? '', next: j };
  }
  return { value: '$', next: i + 1 };
}

/**
 * `KEY=VALUE …` pairs (ENV, LABEL, ARG), or the legacy `KEY VALUE WITH SPACES` form of ENV/LABEL
 * when the first word has no `=`. Keys are unquoted but never expanded; values are expanded.
 */
export function parsePairs(text: string, vars: Vars, opts: { escape?: string; legacy?: boolean; allowBare?: boolean } = {}): [string, string | undefined][] {
  const raw = processWords(text, () => undefined, { ...opts, expand: false });
  const first = splitRawWords(text, opts.escape ?? '\\');
  if (first.length === 0) return [];
  if (opts.legacy && !first[0]!.includes('=')) {
    const rest = text.trim().slice(first[0]!.length).trim();
    return [[raw[0]!, processWord(rest, vars, opts)]];
  }
  const out: [string, string | undefined][] = [];
  for (const w of first) {
    const eq = w.indexOf('=');
    if (eq < 0) {
      if (!opts.allowBare) throw new WordError(`missing "=" in ${JSON.stringify(w)}`);
      out.push([processWords(w, () => undefined, { ...opts, expand: false }).join(''), undefined]);
      continue;
    }
    const key = processWords(w.slice(0, eq), () => undefined, { ...opts, expand: false }).join('');
    if (!key) throw new WordError(`empty name in ${JSON.stringify(w)}`);
    out.push([key, processWord(w.slice(eq + 1), vars, opts)]);
  }
  return out;
}

/** Raw words split on unquoted blanks, quotes and escapes kept as written. */
export function splitRawWords(text: string, esc = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      cur += c;
      if (c === esc && q === '"' && i + 1 < text.length) { cur += text[++i]; continue; }
      if (c === q) q = undefined;
      continue;
    }
    if (c === esc && i + 1 < text.length) { cur += c + text[++i]; continue; }
    if (c === "'" || c === '"') { q = c; cur += c; continue; }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (cur) { out.push(cur); cur = ''; }
      continue;
    }
    cur += c;
  }
  if (q) throw new WordError(`unterminated ${q === '"' ? 'double' : 'single'} quote in ${JSON.stringify(text)}`);
  if (cur) out.push(cur);
  return out;
}

/** `["a", "b"]` → exec form, or undefined for the shell form (docker's rule: valid JSON array of strings). */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch { /* shell form */ }
  return undefined;
}
