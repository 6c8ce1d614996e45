/** The errors of the bank port: why a call to the bank failed, and whether trying again (with the same idempotency key) can help. */

export type BankErrorKind =
  /** We refused to send it (e.g. a non-integer amount): a bug on our side. */
  | 'invalid_request'
  /** Connection refused, DNS, TLS: the bank was not reached. */
  | 'unreachable'
  | 'timeout'
  /** The bank answered 4xx (other than 404 on a status poll): it refuses this request. */
  | 'refused'
  /** The bank answered 5xx or 429. */
  | 'unavailable'
  /** A 2xx answer that is not what the API promises (bad JSON, missing fields, another payment). */
  | 'malformed_answer';

const RETRYABLE: ReadonlySet<BankErrorKind> = new Set(['unreachable', 'timeout', 'unavailable']);

/** Its message names the call and what went wrong, never the API key. */
export class BankError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly kind: BankErrorKind,
    message: string,
    /** The HTTP status, when the bank answered. */
    readonly status?: number,
    /** The bank's own error code (`error.code`), when it gave one. */
    readonly bankCode?: string,
  ) {
    super(message);
    this.name = 'BankError';
    this.retryable = RETRYABLE.has(kind);
  }
}
