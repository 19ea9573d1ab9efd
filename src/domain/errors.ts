/**
 * Domain errors carry a stable, machine-readable `code` (SPEC §9). `ERROR_STATUS` is the one
 * table from code to HTTP status; the OpenAPI document and docs/errors.md print it. One error
 * handler in src/http turns errors into problem+json.
 */
export const ERROR_STATUS = {
  validation_failed: { status: 400, meaning: 'The request (body, query, path or a field) is not valid; `errors` names each field.' },
  invalid_json: { status: 400, meaning: 'The body is empty or not valid JSON.' },
  bad_request: {
    status: 400,
    meaning: 'The HTTP request could not be understood (it keeps any other 4xx status the framework reported).',
  },
  invalid_amount: { status: 400, meaning: 'An amount is not a valid number of minor units for its use.' },
  invalid_currency: { status: 400, meaning: 'The currency is not an active ISO 4217 code.' },
  invalid_event: { status: 400, meaning: 'A payment provider event cannot be read.' },
  invalid_signature: { status: 400, meaning: 'A payment provider event’s signature does not verify.' },
  invalid_multipart: { status: 400, meaning: 'The body is not well-formed multipart/form-data.' },
  file_missing: { status: 400, meaning: 'The upload holds no file.' },
  file_empty: { status: 400, meaning: 'The uploaded file is empty.' },
  one_file_only: { status: 400, meaning: 'An upload takes one file.' },
  too_many_files: { status: 400, meaning: 'More attachments than one message or case may carry.' },
  upload_not_usable: { status: 400, meaning: 'An attachment is not one of your unused uploads.' },
  webhook_url_not_allowed: { status: 400, meaning: 'The webhook URL is not allowed (scheme, host or address).' },
  unauthenticated: { status: 401, meaning: 'Sign in first: no valid session or token.' },
  invalid_credentials: { status: 401, meaning: 'The email or password is wrong.' },
  invalid_login_token: { status: 401, meaning: 'The sign-in link is unknown, used or expired.' },
  forbidden: { status: 403, meaning: 'You may not do this.' },
  csrf_failed: { status: 403, meaning: 'The CSRF token is missing or does not match the session.' },
  same_reviewer: { status: 403, meaning: 'A second review must come from another staff member.' },
  conflict_of_interest: { status: 403, meaning: 'You belong to the merchant that was paid, so you cannot open a case on this payment.' },
  not_found: { status: 404, meaning: 'The resource or route does not exist or is not visible to you.' },
  conflict: { status: 409, meaning: 'The resource changed while you were acting on it; reload it.' },
  action_not_allowed: { status: 409, meaning: 'The action is not allowed on the case in its present state.' },
  already_assigned: { status: 409, meaning: 'Another staff member holds the case.' },
  limit_reached: { status: 409, meaning: 'The case has reached a limit for this action.' },
  case_already_exists: { status: 409, meaning: 'A case has already been opened for this payment.' },
  payment_method_ineligible: { status: 409, meaning: 'The payment method is final and cannot be disputed here.' },
  payment_refunded: { status: 409, meaning: 'The payment has already been refunded in full.' },
  payment_disputed: { status: 409, meaning: 'A chargeback was filed with the bank for this payment.' },
  filing_window_passed: { status: 409, meaning: 'The time to open a case on this payment has passed.' },
  delivery_not_dead: { status: 409, meaning: 'Only a dead webhook delivery can be retried.' },
  dispute_payment_mismatch: { status: 409, meaning: 'The dispute names another payment than the one it is filed for.' },
  email_taken: { status: 409, meaning: 'Another user has this email address.' },
  evidence_deadline_passed: { status: 409, meaning: 'The bank’s deadline for the dispute’s evidence has passed.' },
  evidence_limit_reached: { status: 409, meaning: 'The dispute’s evidence holds as many files as the bank takes.' },
  evidence_not_staged: { status: 409, meaning: 'There is no staged evidence to submit.' },
  payment_locked: { status: 409, meaning: 'The payment has a case or dispute, so these fields can no longer change.' },
  provider_payment_id_taken: { status: 409, meaning: 'Another payment has this provider payment id.' },
  refund_cannot_decrease: { status: 409, meaning: 'A payment’s refunded amount cannot go down.' },
  user_erased: { status: 409, meaning: 'The user has been erased.' },
  payload_too_large: { status: 413, meaning: 'The request body is too large.' },
  file_too_large: { status: 413, meaning: 'The file is larger than the upload limit.' },
  upload_quota_exceeded: { status: 413, meaning: 'Your unused uploads would exceed your quota.' },
  unsupported_media_type: { status: 415, meaning: 'The Content-Type is missing, not valid or not accepted here.' },
  file_type_not_allowed: { status: 415, meaning: 'The file’s content is not an accepted type.' },
  range_not_satisfiable: { status: 416, meaning: 'The requested byte range lies outside the file.' },
  idempotency_key_reused: { status: 422, meaning: 'The Idempotency-Key was used before with another request.' },
  rate_limited: { status: 429, meaning: 'Too many requests: wait for `Retry-After` seconds.' },
  headers_too_large: { status: 431, meaning: 'The request’s header fields are too large.' },
  internal_error: { status: 500, meaning: 'Something went wrong on our side; the detail gives the request id.' },
  not_ready: { status: 503, meaning: 'The service is not ready (database unreachable or migrations pending).' },
  provider_unavailable: { status: 503, meaning: 'The payment provider is unavailable; try again shortly.' },
  storage_unavailable: { status: 503, meaning: 'File storage is unavailable; try again shortly.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = ERROR_STATUS[code].status;
  }
}

export const notFound = (what = 'resource') => new DomainError('not_found', `The ${what} does not exist or is not visible to you.`);
export const forbidden = (detail = 'You may not do this.') => new DomainError('forbidden', detail);
export const conflict = (detail = 'The case changed while you were acting on it; reload it.') => new DomainError('conflict', detail);
export const validation = (path: string, message: string) =>
  new DomainError('validation_failed', 'The request is not valid.', [{ path, message }]);

/** 429 with the seconds to wait, sent as `Retry-After`. */
export class RateLimited extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts: retry in ${retryAfterSeconds} seconds.`,
  ) {
    super('rate_limited', message);
  }
}
