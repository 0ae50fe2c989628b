// The distribution spec's error vocabulary (OCI distribution-spec, "Error Codes"): each error a
// client sees is one of these codes with its HTTP status, sent as {"errors":[{code,message,detail}]}.
// The storage and upload modules throw RegistryError; server.ts is the one place that writes it.

export type ErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID';

/** Status codes as distribution (registry/api/errcode, registry/api/v2/errors.go) sends them. */
const STATUS: Record<ErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
  PAGINATION_NUMBER_INVALID: 400,
};

const MESSAGE: Record<ErrorCode, string> = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'The operation is unsupported.',
  RANGE_INVALID: 'invalid content range',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
};

export interface ErrorEntry {
  code: ErrorCode;
  message: string;
  detail?: unknown;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly status: number;
  /** More entries of the same response (a manifest naming several missing blobs). */
  readonly entries: ErrorEntry[];

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly detail?: unknown,
    more: ErrorEntry[] = [],
  ) {
    super(message ?? MESSAGE[code]);
    this.status = STATUS[code];
    this.entries = [{ code, message: this.message, ...(detail === undefined ? {} : { detail }) }, ...more];
  }

  /** The response body the spec prescribes. */
  body(): { errors: ErrorEntry[] } {
    return { errors: this.entries };
  }
}

export function registryError(code: ErrorCode, detail?: unknown, message?: string): RegistryError {
  return new RegistryError(code, message, detail);
}
