/**
 * Events on topic `notifications`: messages for one person that no declaration transition or payment
 * carries (review deadline alerts to agents and supervisors, password resets). One event per recipient,
 * so the notifications consumer sends each once per channel like any other message.
 */

export const NOTICE_EVENT_SOURCE = '/taxasge/notices';

/** A declaration has waited in review past the warning (18 h) or was escalated by the system (72 h). */
export const REVIEW_SLA_WARNING = 'review.sla_warning';
export const REVIEW_ESCALATED = 'review.escalated';
/** Someone asked for a password reset for an email address, which may or may not have an account. */
export const PASSWORD_RESET_REQUESTED = 'account.password_reset_requested';

export interface ReviewAlertData {
  /** The agent (warning) or supervisor (escalation) told. */
  userId: string;
  declarationId: string;
  reference: string;
  kind: 'service_fee' | 'tax_return';
  ministry: string;
  /** Whole hours since the declaration entered the queue. */
  waitingHours: number;
}

/**
 * Carries no token: the consumer looks the address up and mints the link when it sends, so the reset
 * token is never in the event outbox, in Pub/Sub or in a dead letter. `requestId` names the one
 * password_resets row of this request, whatever the number of deliveries.
 */
export interface PasswordResetRequestedData {
  email: string;
  requestId: string;
}
