/**
 * The payment lifecycle as one transition graph, mirrored by `payment_transitions` and a trigger in
 * migration 0008 (a test keeps them identical). The bank is the source of truth for money: a payment
 * that expired or failed on our side still becomes succeeded when BANGE says the money arrived.
 */

export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'expired', 'partially_refunded', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_TRANSITIONS: readonly { from: PaymentStatus; to: PaymentStatus }[] = [
  { from: 'pending', to: 'succeeded' },
  { from: 'pending', to: 'failed' },
  { from: 'pending', to: 'expired' },
  { from: 'failed', to: 'succeeded' },
  { from: 'expired', to: 'succeeded' },
  { from: 'succeeded', to: 'partially_refunded' },
  { from: 'succeeded', to: 'refunded' },
  { from: 'partially_refunded', to: 'partially_refunded' },
  { from: 'partially_refunded', to: 'refunded' },
];

/** Statuses in which a payment still holds its declaration: a second one would risk paying twice. */
export const LIVE_PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'succeeded', 'partially_refunded', 'refunded'];

export function canMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS.some((t) => t.from === from && t.to === to);
}
