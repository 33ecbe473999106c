// Build errors: every one names the Dockerfile and line it comes from (`Dockerfile:7: unknown
// instruction "RUNN"`), and, for a step, the step as written.
import { TscError } from '../../schema/errors.ts';

export type BuildErrorCode =
  | 'BUILD_SYNTAX' | 'BUILD_ARGS' | 'BUILD_FROM' | 'BUILD_RUN' | 'BUILD_COPY' | 'BUILD_TARGET'
  | 'BUILD_CONTEXT' | 'BUILD_ABORTED' | 'BUILD_UNSUPPORTED' | 'BUILD_LAYER';

export class BuildError extends TscError {
  readonly file: string;
  readonly line: number;
  readonly step: string | undefined;

  constructor(code: BuildErrorCode, file: string, line: number, message: string,
    opts: { step?: string; hint?: string; cause?: unknown } = {}) {
    super(code, `${line > 0 ? `${file}:${line}` : file}: ${message}`, {
      ...(opts.hint ? { hint: opts.hint } : {}), ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
    });
    this.file = file;
    this.line = line;
    this.step = opts.step;
  }
}
