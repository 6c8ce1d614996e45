/**
 * The one place an error identifier becomes HTTP: its status, its headers, and the RFC 9457
 * problem+json body. Unknown errors never leak their details.
 */
import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from '../errors/app-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://taxasge.gq/problems/';

/** The HTTP status of each identifier. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  idempotency_key_reused: 409,
  idempotency_key_in_progress: 409,
  email_taken: 409,
  last_active_admin: 409,
  admin_self_change: 409,
  account_already_erased: 409,
  service_not_payable_online: 409,
  transition_not_allowed: 409,
  declaration_closed: 409,
  claimed_by_another_reviewer: 409,
  claim_expired: 409,
  declaration_not_payable: 409,
  quote_expired: 409,
  nothing_to_pay: 409,
  payment_already_live: 409,
  bank_unavailable: 503,
  payment_not_refundable: 409,
  declaration_not_rejected: 409,
  refund_refused: 409,
  already_replayed: 409,
  webhook_already_accepted: 409,
  object_name_clash: 409,
  already_uploaded: 412,
  internal_error: 500,
  service_unavailable: 503,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
}

export function problemType(code: ErrorCode): string {
  return PROBLEM_TYPE_BASE + code.replace(/_/g, '-');
}

function bearerHeader(challenge: NonNullable<AppError['hints']['bearerChallenge']>): string {
  const params = [challenge.realm && `realm="${challenge.realm}"`, challenge.error && `error="${challenge.error}"`].filter(Boolean);
  return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/** The headers an error's hints make: Retry-After, Allow, WWW-Authenticate. */
export function problemHeaders(error: AppError): Record<string, string> {
  const { retryAfterSeconds, allowedMethods, bearerChallenge } = error.hints;
  return {
    ...(retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {}),
    ...(allowedMethods ? { Allow: allowedMethods.join(', ') } : {}),
    ...(bearerChallenge ? { 'WWW-Authenticate': bearerHeader(bearerChallenge) } : {}),
  };
}

export interface MappedProblem {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error was not an AppError: the caller logs it with its stack. */
  unexpected: boolean;
}

export function toProblem(error: unknown, instance?: string): MappedProblem {
  if (error instanceof AppError) {
    return {
      problem: {
        type: problemType(error.code),
        title: error.title,
        status: ERROR_STATUS[error.code],
        detail: error.detail,
        code: error.code,
        ...(instance ? { instance } : {}),
        ...(error.errors?.length ? { errors: error.errors } : {}),
      },
      headers: problemHeaders(error),
      unexpected: false,
    };
  }
  const code: ErrorCode = 'internal_error';
  return {
    problem: {
      type: problemType(code),
      title: ERROR_CODES[code],
      status: ERROR_STATUS[code],
      detail: 'The server failed to handle the request; it has been logged. Retry later or report the trace id.',
      code,
      ...(instance ? { instance } : {}),
    },
    headers: {},
    unexpected: true,
  };
}
