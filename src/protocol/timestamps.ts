// Docker's timestamps in records and inspect output: RFC 3339 with nine fractional digits (Go's
// time.RFC3339Nano as dockerd writes State.StartedAt and the like). JavaScript's clock has
// milliseconds, so the last six digits are zeros.

/** Now, as `2026-12-04T20:49:49.123000000Z`. */
export function nowRfc3339Nano(): string {
  // toISOString always ends in `.mmmZ`; slicing is ~10× cheaper than the regex it replaces,
  // and this runs several times per container run.
  return `${new Date().toISOString().slice(0, -1)}000000Z`;
}
