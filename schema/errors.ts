// Typed errors shared by every layer. Each carries a stable `code`, an optional `hint`
// and a `cause`; the CLI renders them with one renderer (cli/render-error.ts), so no
// raw stack trace ever reaches a user unless --debug asks for it.

/** Where a value came from in a stack file. Lines and columns are 1-based. */
export interface Origin {
  file: string;
  line: number;
  col: number;
}

export function formatOrigin(o: Origin | undefined): string {
  return o ? `${o.file}:${o.line}:${o.col}` : '';
}

export class TscError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Process exit code the CLI uses when this error ends a command. */
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** One problem in a stack file, located by file:line:col and key path (`services.web.ports[1]`). */
export interface StackFileProblem {
  message: string;
  keyPath: string;
  origin?: Origin;
  hint?: string;
}

/**
 * A stack file (or several) could not be loaded. Holds every problem found, so a user
 * fixes them all in one pass. Exit code 15 is what docker compose uses for config errors.
 */
export class StackFileError extends TscError {
  readonly problems: StackFileProblem[];

  constructor(problems: StackFileProblem[]) {
    super('STACK_FILE', problems.map(renderProblem).join('\n'), { exitCode: 15 });
    this.problems = problems;
  }

  static one(p: StackFileProblem): StackFileError {
    return new StackFileError([p]);
  }
}

export function renderProblem(p: StackFileProblem): string {
  const where = p.origin ? `${formatOrigin(p.origin)}: ` : '';
  const key = p.keyPath ? `${p.keyPath}: ` : '';
  const hint = p.hint ? ` (${p.hint})` : '';
  return `${where}${key}${p.message}${hint}`;
}

/** A kernel call failed. `errno` is the symbolic name (`EBUSY`), see executor/sys/errno.ts. */
export class SysError extends TscError {
  readonly op: string;
  readonly path: string | undefined;
  readonly errno: string;

  constructor(op: string, errno: string, path?: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('SYS', `${op}${path ? ` ${path}` : ''}: ${errno}`, opts);
    this.op = op;
    this.errno = errno;
    this.path = path;
  }
}

/** Something failed for one container at one step; wraps the underlying cause (`start web-1: mount /data: EBUSY`). */
export class ContainerError extends TscError {
  readonly container: string;
  readonly step: string;

  constructor(container: string, step: string, cause: unknown, opts: { hint?: string } = {}) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super('CONTAINER', `${step} ${container}: ${inner}`, {
      cause,
      hint: opts.hint ?? (cause instanceof TscError ? cause.hint : undefined),
    });
    this.container = container;
    this.step = step;
  }
}

/** The user asked for something invalid on the command line. Exit code 1 like compose's usage errors. */
export class UsageError extends TscError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint === undefined ? {} : { hint });
  }
}

export function errorChain(e: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = e;
  while (cur !== undefined && out.length < 20) {
    if (cur instanceof Error) {
      out.push(`${cur.name}: ${cur.message}`);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      out.push(String(cur));
      break;
    }
  }
  return out;
}
