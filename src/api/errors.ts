// The one place engine errors become HTTP statuses, with Docker's {"message": …} body.
import { ConflictError, InvalidArgumentError, NotFoundError, NotModifiedError, systemErrorText } from '../errors.js';
import { InvalidReferenceError } from '../protocol/reference.js';
import { UnauthorizedError } from '../engine/distribution/errors.js';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ConflictError) return 409;
  if (err instanceof InvalidArgumentError || err instanceof InvalidReferenceError) return 400;
  if (err instanceof NotModifiedError) return 304;
  if (err instanceof SyntaxError) return 400;
  return 500;
}

/** The message a client sees: a Node.js system error (ENOSPC, EACCES) in Go's words, as dockerd's. */
export function messageOf(err: unknown): string {
  return systemErrorText(err) ?? (err instanceof Error ? err.message : String(err));
}
