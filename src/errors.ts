// Typed errors, at the ground: the engine and the layers below it (host/, storage/) share them.
// The API layer maps each class to one HTTP status in one place (api/errors.ts); messages read
// like Docker's so clients print them unchanged.

export class EngineError extends Error {
  override readonly name: string = 'EngineError';
}

/** 404: "No such container: x", "No such image: x", … */
export class NotFoundError extends EngineError {
  override readonly name = 'NotFoundError';
}

/** 409: name in use, image in use, container running, … */
export class ConflictError extends EngineError {
  override readonly name = 'ConflictError';
}

/** 400: malformed or contradictory parameters. */
export class InvalidArgumentError extends EngineError {
  override readonly name = 'InvalidArgumentError';
}

/** 304 on start/stop: the container is already in the requested state. */
export class NotModifiedError extends EngineError {
  override readonly name = 'NotModifiedError';
}

/** 500 with the runtime's own words, e.g. an OCI runtime error on start. */
export class SystemError extends EngineError {
  override readonly name = 'SystemError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A Node.js system error (ENOSPC from a write, EACCES from an open) in Go's words, as dockerd
 * prints an *os.PathError: "write /path: no space left on device". Undefined for any other error.
 */
export function systemErrorText(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.syscall !== 'string') return undefined;
  // Node's form: "ENOSPC: no space left on device, write '/path'". A message of another form
  // (berth's own, e.g. a spawn's) is already worded for the user.
  const what = /^[A-Z0-9_]+: (.+?), [a-z_]+/.exec(e.message)?.[1];
  if (what === undefined) return undefined;
  return `${e.syscall}${e.path ? ` ${e.path}` : ''}: ${what}`;
}
