// What a registry answered, as typed errors the API maps to docker's statuses. The messages are
// docker's, e.g. "manifest for 127.0.0.1:5000/app:nope not found: manifest unknown: manifest unknown".
import { EngineError } from '../../errors.js';

/** A registry refused the credentials (401): `docker login` and pulls of private images. */
export class UnauthorizedError extends EngineError {
  override readonly name = 'UnauthorizedError';
}

/** The registry could not be reached or spoke something other than the distribution API. */
export class RegistryUnavailableError extends EngineError {
  override readonly name = 'RegistryUnavailableError';
}

/** The daemon was told never to contact this registry (--blocked-registry). */
export class RegistryBlockedError extends EngineError {
  override readonly name = 'RegistryBlockedError';
}

/** One entry of the distribution spec's error body: {"errors":[{"code","message","detail"}]}. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** A non-2xx answer from a registry, with its error codes ("MANIFEST_UNKNOWN", "DENIED", …). */
export class RegistryResponseError extends EngineError {
  override readonly name = 'RegistryResponseError';
  constructor(
    readonly status: number,
    readonly errors: RegistryErrorEntry[],
    message: string,
  ) {
    super(message);
  }

  has(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** "manifest unknown: manifest unknown" as distribution's errcode prints a list of errors. */
export function describeRegistryErrors(errors: RegistryErrorEntry[], status: number): string {
  if (errors.length === 0) return `unexpected status ${status}`;
  return errors.map((e) => `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`).join(', ');
}
