/**
 * The one error model: every failure is named by an identifier from this closed list, which clients
 * read as `code` in problem+json. The domain says what went wrong; shared/http/problem.ts alone says
 * which HTTP status and headers that makes.
 */

export const ERROR_CODES = {
  // The request and who sends it (the pipeline, and the services' own checks of their input and caller).
  validation_failed: 'The request is not valid',
  malformed_json: 'The request body is not valid JSON',
  unauthenticated: 'Authentication is required',
  forbidden: 'This action is not allowed for your role',
  not_found: 'The resource does not exist',
  route_not_found: 'No route matches this path',
  method_not_allowed: 'This method is not allowed on this path',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The content type of the request is not accepted',
  rate_limited: 'Too many requests',
  idempotency_key_reused: 'This Idempotency-Key was used for another request',
  idempotency_key_in_progress: 'A request with this Idempotency-Key is still being processed',
  // Accounts.
  email_taken: 'An account with this email already exists',
  last_active_admin: 'The last active admin cannot lose the role',
  admin_self_change: 'An admin cannot demote or suspend themselves',
  account_already_erased: 'This account was erased already',
  // Declarations and their review.
  service_not_payable_online: 'This fiscal service cannot be paid online yet',
  transition_not_allowed: 'The declaration cannot make this move from its current state',
  declaration_closed: 'The declaration no longer accepts documents',
  claimed_by_another_reviewer: 'Another reviewer holds the claim on this declaration',
  claim_expired: 'Your claim on this declaration has expired',
  // Payments and refunds.
  declaration_not_payable: 'The declaration is not awaiting payment',
  quote_expired: 'The quoted fee has expired',
  nothing_to_pay: 'The declaration is for no amount',
  payment_already_live: 'The declaration already has a live payment',
  bank_unavailable: 'The bank did not answer',
  payment_not_refundable: 'Only received money can be refunded',
  declaration_not_rejected: 'Refunds are for rejected declarations',
  refund_refused: 'The bank refused the refund',
  // Dead letters and webhooks.
  already_replayed: 'This dead letter was replayed already',
  webhook_already_accepted: 'This webhook was accepted already',
  // Storage.
  object_name_clash: 'The object name clashes with an existing object',
  already_uploaded: 'Something was already uploaded under this URL; it cannot be replaced',
  // The server.
  internal_error: 'An unexpected error occurred',
  service_unavailable: 'A dependency is unavailable',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export interface FieldError {
  /** Where the problem is, e.g. `query.limit` or `body.items[2].amount`. */
  path: string;
  message: string;
}

/** What a client may do next, in the domain's terms; shared/http/problem.ts turns each into a header. */
export interface ErrorHints {
  /** Trying again after this many seconds may succeed. */
  retryAfterSeconds?: number;
  /** The methods the path accepts. */
  allowedMethods?: readonly string[];
  /** A bearer token is what the caller lacks: the realm it is for, and why the one sent was refused (RFC 6750). */
  bearerChallenge?: { realm?: string; error?: 'invalid_token' };
}

export class AppError extends Error {
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly hints: ErrorHints = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.title = ERROR_CODES[code];
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string) {
    super('not_found', detail);
    this.name = 'NotFoundError';
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[]) {
    super('validation_failed', detail, errors);
    this.name = 'ValidationError';
  }
}
