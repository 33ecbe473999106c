// The variables a stack file uses, for `config --variables` (compose-go's template.ExtractVariables):
// every `$NAME` / `${NAME…}` in the string values of the uninterpolated model, with what the
// template says about it: a default (`:-` / `-`), an alternate value (`:+` / `+`), or required
// (`:?` / `?`). Variables nested in a default, an alternate or an error message count too. A name
// used several times is required if any use requires it, and keeps the first default and the first
// alternate value written. `$$` is a literal dollar. Pure.
import { matchingBrace, NAME } from './interpolate.ts';

export interface Variable {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

/** The variables of every string value under `tree` (keys are not templates), by name, added to `out`. */
export function extractVariables(tree: unknown, out = new Map<string, Variable>()): Map<string, Variable> {
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('$')) for (const x of variablesOf(v)) combine(out, x);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(tree);
  return out;
}

function combine(m: Map<string, Variable>, v: Variable): void {
  const had = m.get(v.name);
  if (!had) {
    m.set(v.name, { ...v });
    return;
  }
  had.required ||= v.required;
  if (had.defaultValue === '') had.defaultValue = v.defaultValue;
  if (had.presenceValue === '') had.presenceValue = v.presenceValue;
}

/** The variables one template string mentions, in order (a name may repeat). */
export function variablesOf(s: string): Variable[] {
  const out: Variable[] = [];
  let i = s.indexOf('$');
  while (i >= 0 && i < s.length) {
    const n = s[i + 1];
    if (n === '$') {
      i = s.indexOf('$', i + 2);
      continue;
    }
    if (n === '{') {
      const close = matchingBrace(s, i + 2);
      if (close < 0) break; // not a template: interpolation would reject it
      const body = s.slice(i + 2, close);
      const m = NAME.exec(body);
      if (m) out.push(...braced(m[0], body.slice(m[0].length)));
      i = s.indexOf('$', close + 1);
      continue;
    }
    const m = n === undefined ? null : NAME.exec(s.slice(i + 1));
    if (m) out.push({ name: m[0], defaultValue: '', presenceValue: '', required: false });
    i = s.indexOf('$', i + 1 + (m ? m[0].length : 0));
  }
  return out;
}

function braced(name: string, rest: string): Variable[] {
  const v: Variable = { name, defaultValue: '', presenceValue: '', required: false };
  let nested = '';
  const colon = rest[0] === ':';
  const op = colon ? rest[1] : rest[0];
  const arg = rest.slice(colon ? 2 : 1);
  if (op === '?') {
    v.required = true;
    nested = arg;
  } else if (op === '-') {
    v.defaultValue = arg;
    nested = arg;
  } else if (op === '+') {
    v.presenceValue = arg;
    nested = arg;
  }
  return nested.includes('$') ? [v, ...variablesOf(nested)] : [v];
}
