// Which stack files make the project, and what the project is called.
// Files: -f (repeatable, "-" = stdin) > COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR or ":") >
// compose.yaml / compose.yml / docker-compose.yml / docker-compose.yaml searched from the working
// directory up through its parents, plus the matching *.override.* file beside it, as compose does.
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { StackFileProblem } from './errors.ts';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const OVERRIDES: Record<string, string[]> = {
  'compose.yaml': ['compose.override.yaml', 'compose.override.yml'],
  'compose.yml': ['compose.override.yml', 'compose.override.yaml'],
  'docker-compose.yml': ['docker-compose.override.yml', 'docker-compose.override.yaml'],
  'docker-compose.yaml': ['docker-compose.override.yaml', 'docker-compose.override.yml'],
};
export const STDIN = '-';

export function discoverFiles(o: { files?: string[]; env: (k: string) => string | undefined; cwd: string; searchFrom: string }):
  { files: string[]; problem?: StackFileProblem } {
  let files = o.files?.length ? o.files : undefined;
  if (!files) {
    const cf = o.env('COMPOSE_FILE');
    if (cf) files = cf.split(o.env('COMPOSE_PATH_SEPARATOR') ?? ':').filter((f) => f !== '');
  }
  if (files) {
    const abs = files.map((f) => (f === STDIN ? STDIN : resolve(o.cwd, f)));
    for (const f of abs) {
      if (f !== STDIN && !isFile(f)) {
        return { files: [], problem: { message: `stack file ${f} not found`, keyPath: '', hint: 'check the -f / COMPOSE_FILE path' } };
      }
    }
    return { files: abs };
  }
  for (let dir = resolve(o.searchFrom); ; dir = dirname(dir)) {
    for (const name of DEFAULT_FILES) {
      const f = join(dir, name);
      if (!isFile(f)) continue;
      const override = OVERRIDES[name]!.map((n) => join(dir, n)).find(isFile);
      return { files: override ? [f, override] : [f] };
    }
    if (dirname(dir) === dir) break;
  }
  return {
    files: [],
    problem: {
      message: `no stack file found in ${o.searchFrom} or its parent directories`,
      keyPath: '',
      hint: `create ${DEFAULT_FILES[0]} or pass -f <file>`,
    },
  };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A name derived from a directory: lowercased, invalid characters dropped (compose's rule). */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

export function projectName(o: { explicit?: string; env?: string; fromFile?: unknown; dir: string }): { name: string; problem?: StackFileProblem } {
  // -p and COMPOSE_PROJECT_NAME are taken as given and must be valid; `name:` in a file and the
  // directory name are normalized (compose-go projectName / NormalizeProjectName).
  const given: [string, string | undefined][] = [
    ['-p', o.explicit],
    ['COMPOSE_PROJECT_NAME', o.env],
  ];
  for (const [source, v] of given) {
    if (v === undefined || v === '') continue;
    if (!PROJECT_NAME.test(v)) {
      return {
        name: '',
        problem: {
          message: `invalid project name "${v}" (from ${source})`,
          keyPath: '',
          hint: 'use lowercase letters, digits, dashes and underscores, starting with a letter or digit',
        },
      };
    }
    return { name: v };
  }
  const fromFile = typeof o.fromFile === 'string' ? normalizeProjectName(o.fromFile) : '';
  if (fromFile) return { name: fromFile };
  const derived = normalizeProjectName(basename(o.dir));
  if (!derived) {
    return { name: '', problem: { message: `cannot derive a project name from directory "${o.dir}"`, keyPath: '', hint: 'pass -p <name> or set name: in the stack file' } };
  }
  return { name: derived };
}

/**
 * The top-level `name:` read from raw text, before the file is parsed: compose exposes the project
 * name as ${COMPOSE_PROJECT_NAME} to interpolation, so it is needed before interpolating. Covers
 * `name: x`, quoted values and trailing comments; anything fancier falls back to the parsed value.
 */
export function scanName(text: string): string | undefined {
  const m = /^name:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$/m.exec(text);
  if (!m || !m[1]) return undefined;
  const v = m[1];
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return v.slice(1, -1);
  return v;
}
