/** The one error model: every failure the API reports carries a stable code from this closed list. */

export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'This action is not allowed for your role' },
  not_found: { status: 404, title: 'The resource does not exist' },
  route_not_found: { status: 404, title: 'No route matches this path' },
  method_not_allowed: { status: 405, title: 'This method is not allowed on this path' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  already_uploaded: { status: 412, title: 'Something was already uploaded under this URL; it cannot be replaced' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The content type of the request is not accepted' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'An unexpected error occurred' },
  service_unavailable: { status: 503, title: 'A dependency is unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** Where the problem is, e.g. `query.limit` or `body.items[2].amount`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
    this.title = ERROR_CODES[code].title;
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

export class ConflictError extends AppError {
  constructor(detail: string) {
    super('conflict', detail);
    this.name = 'ConflictError';
  }
}
