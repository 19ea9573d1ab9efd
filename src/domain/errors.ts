/**
 * Domain errors carry a stable, machine-readable `code` (SPEC §9) and the HTTP
 * status they map to. One error handler in src/http turns them into problem+json.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what = 'resource') => new DomainError(404, 'not_found', `The ${what} does not exist or is not visible to you.`);
export const forbidden = (detail = 'You may not do this.') => new DomainError(403, 'forbidden', detail);
export const conflict = (detail = 'The case changed while you were acting on it; reload it.') => new DomainError(409, 'conflict', detail);
export const validation = (path: string, message: string) =>
  new DomainError(400, 'validation_failed', 'The request is not valid.', [{ path, message }]);

/** 429 with the seconds to wait, sent as `Retry-After`. */
export class RateLimited extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts: retry in ${retryAfterSeconds} seconds.`,
  ) {
    super(429, 'rate_limited', message);
  }
}
