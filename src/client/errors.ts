// Errors the client raises. Messages read like the docker CLI's, so the CLI prints them as they are.

/** A non-2xx answer from the daemon. `message` is what docker prints: "Error response from daemon: …". */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    /** The daemon's own message, without the "Error response from daemon: " prefix. */
    readonly reason: string,
  ) {
    super(`Error response from daemon: ${reason}`);
  }

  get isNotFound(): boolean {
    return this.statusCode === 404;
  }
}

/** The daemon could not be reached at all. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.statusCode === status);
}
