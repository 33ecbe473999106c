// Typed errors of the image store. Each names the image reference or digest it is about.
import { TscError } from '../../schema/errors.ts';

export class ImageError extends TscError {
  readonly ref: string | undefined;
  constructor(code: string, message: string, opts: { ref?: string; hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.ref = opts.ref;
  }
}

export function imageNotFound(ref: string): ImageError {
  return new ImageError('IMAGE_NOT_FOUND', `No such image: ${ref}`, { ref, hint: `pull it first: tscompose pull ${ref}` });
}

export function digestMismatch(what: string, expected: string, actual: string): ImageError {
  return new ImageError('DIGEST_MISMATCH', `${what}: content digest is ${actual}, expected ${expected}`, {
    hint: 'the data was corrupted in transit or the source is lying about its content',
  });
}

/** A layer archive is malformed or hostile; the layer is rejected as a whole. */
export class LayerError extends ImageError {
  readonly entry: string | undefined;
  constructor(message: string, entry?: string, cause?: unknown) {
    super('BAD_LAYER', entry ? `layer entry "${entry}": ${message}` : message, cause === undefined ? {} : { cause });
    this.entry = entry;
  }
}
