// Dockerfile text → stages of instructions, with 1-based line numbers. dockerfile-ast does the
// lexing (continuation lines, comments, the escape directive, flags, heredoc bodies); this file
// checks the instructions we know and groups them by FROM. Pure.
import { DockerfileParser } from 'dockerfile-ast';
import { BuildError } from './errors.ts';

export const KNOWN = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER',
  'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

export interface Flag { name: string; value: string | null }

export interface Heredoc { name: string; body: string; chomp: boolean /* <<- strips leading tabs */; expand: boolean /* unquoted name */ }

export interface Instr {
  keyword: string;
  /** Arguments after the flags, continuation lines joined; heredoc bodies removed. */
  args: string;
  flags: Flag[];
  heredocs: Heredoc[];
  line: number;
  endLine: number;
  /** As shown in progress: `RUN npm ci` (first line, flags kept). */
  text: string;
}

export interface Stage {
  index: number;
  /** `AS name`, lower-cased, or undefined. */
  name: string | undefined;
  /** The FROM instruction. */
  from: Instr;
  body: Instr[];
}

export interface Parsed {
  file: string;
  escape: string;
  /** ARGs before the first FROM. */
  globalArgs: Instr[];
  stages: Stage[];
}

export function parseDockerfile(text: string, file = 'Dockerfile'): Parsed {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter?.() ?? '\\';
  const lines = text.split('\n');
  const all: Instr[] = [];
  for (const i of df.getInstructions()) {
    const kw = i.getKeyword().toUpperCase();
    const r = i.getRange();
    const line = r.start.line + 1;
    if (!KNOWN.has(kw)) {
      throw new BuildError('BUILD_SYNTAX', file, line, `unknown instruction "${i.getKeyword()}"`,
        { step: i.getKeyword(), hint: 'Dockerfile instructions: FROM RUN COPY ADD ENV ARG WORKDIR USER CMD ENTRYPOINT EXPOSE LABEL VOLUME STOPSIGNAL HEALTHCHECK SHELL ONBUILD' });
    }
    const flagged = i as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
    const flags: Flag[] = (flagged.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() }));
    let args = i.getArgumentsContent() ?? '';
    const heredocs: Heredoc[] = [];
    if (/<<-?["']?[A-Za-z_]/.test(args.split('\n')[0] ?? '') && (kw === 'RUN' || kw === 'COPY' || kw === 'ADD')) {
      const h = splitHeredocs(args, file, line);
      args = h.args;
      heredocs.push(...h.heredocs);
    }
    const first = (lines[r.start.line] ?? '').trim();
    all.push({ keyword: kw, args: args.trim(), flags, heredocs, line, endLine: r.end.line + 1, text: first.replace(/\s+/g, ' ') });
  }
  const globalArgs: Instr[] = [];
  const stages: Stage[] = [];
  for (const ins of all) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter(Boolean);
      let name: string | undefined;
      if (words.length === 3 && words[1]!.toUpperCase() === 'AS') name = words[2]!.toLowerCase();
      else if (words.length !== 1) throw new BuildError('BUILD_SYNTAX', file, ins.line, 'FROM requires either one argument, or three: FROM <source> [AS <name>]', { step: ins.text });
      if (name !== undefined && !/^[a-z][a-z0-9._-]*$/.test(name)) throw new BuildError('BUILD_SYNTAX', file, ins.line, `invalid stage name ${JSON.stringify(name)}`, { step: ins.text });
      if (name !== undefined && stages.some((s) => s.name === name)) throw new BuildError('BUILD_SYNTAX', file, ins.line, `duplicate stage name ${JSON.stringify(name)}`, { step: ins.text });
      stages.push({ index: stages.length, name, from: ins, body: [] });
      continue;
    }
    const cur = stages[stages.length - 1];
    if (!cur) {
      if (ins.keyword === 'ARG') { globalArgs.push(ins); continue; }
      throw new BuildError('BUILD_SYNTAX', file, ins.line, `no build stage in current context: ${ins.keyword} before the first FROM`, { step: ins.text });
    }
    if (ins.args === '' && ins.heredocs.length === 0 && ins.keyword !== 'ARG') {
      throw new BuildError('BUILD_SYNTAX', file, ins.line, `${ins.keyword} requires at least one argument`, { step: ins.text });
    }
    cur.body.push(ins);
  }
  if (stages.length === 0) throw new BuildError('BUILD_SYNTAX', file, 0, 'the Dockerfile has no FROM instruction');
  return { file, escape, globalArgs, stages };
}

/**
 * `RUN <<EOF\nbody\nEOF` → args `<<EOF` with the body apart. Several heredocs may follow one
 * another (`COPY <<A <<B /dst/`). The first line keeps the `<<NAME` words, which RUN and COPY treat
 * as sources.
 */
export function splitHeredocs(content: string, file: string, line: number): { args: string; heredocs: Heredoc[] } {
  const rows = content.split('\n');
  const head = rows[0] ?? '';
  const re = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;
  const heredocs: Heredoc[] = [];
  let k = 1;
  for (const m of head.matchAll(re)) {
    const chomp = m[1] === '-';
    const name = m[3]!;
    const body: string[] = [];
    let closed = false;
    for (; k < rows.length; k++) {
      const row = rows[k]!;
      if ((chomp ? row.replace(/^\t+/, '') : row) === name) { closed = true; k++; break; }
      body.push(chomp ? row.replace(/^\t+/, '') : row);
    }
    if (!closed) throw new BuildError('BUILD_SYNTAX', file, line, `heredoc <<${name} is not terminated`);
    heredocs.push({ name, body: body.length ? body.join('\n') + '\n' : '', chomp, expand: m[2] === '' });
  }
  return { args: head, heredocs };
}

export function flagOf(ins: Instr, name: string): string | undefined {
  const f = ins.flags.filter((x) => x.name === name);
  const last = f[f.length - 1];
  return last ? (last.value ?? '') : undefined;
}

export function flagsOf(ins: Instr, name: string): string[] {
  return ins.flags.filter((x) => x.name === name).map((x) => x.value ?? '');
}

/** Refuses flags an instruction does not take (docker: `unknown flag: mount`). */
export function checkFlags(ins: Instr, file: string, allowed: string[]): void {
  for (const f of ins.flags) {
    if (!allowed.includes(f.name)) throw new BuildError('BUILD_SYNTAX', file, ins.line, `${ins.keyword}: unknown flag: --${f.name}`, { step: ins.text });
  }
}
