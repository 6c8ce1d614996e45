/** Payments as the domain sees them. */
import type { PaymentMethod } from '../../ports/bank.port';
import type { PaymentStatus } from './payment-state-machine';

export interface Payment {
  id: string;
  reference: string;
  declarationId: string;
  ownerId: string;
  amount: number;
  currency: 'XAF';
  method: PaymentMethod;
  status: PaymentStatus;
  bangePaymentId: string | null;
  checkoutUrl: string | null;
  transactionId: string | null;
  refundedAmount: number;
  expiresAt: Date;
  paidAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What payment-events carry: a verified BANGE webhook resolved to our payment. */
export interface PaymentEventData {
  webhookEventId: string;
  paymentId: string;
  declarationId: string;
  ownerId: string;
  reference: string;
  transactionId: string;
  amount: number;
  currency: 'XAF';
  method: string;
  paidAt: string | null;
  /** `payment.refunded`: BANGE's refund id and the reference we sent with it (null: started at the bank). */
  refundId?: string;
  refundReference?: string | null;
}

/** Event type published on topic `payment-applied` when a payment has been applied (declaration paid, money booked). */
export const PAYMENT_APPLIED = 'payment.applied';
export const PAYMENT_APPLIED_SOURCE = '/taxasge/payments/apply';

/** Data of `payment.applied`: what was applied, from our payment row; the webhook that caused it, if any (a poll applies without one). */
export type PaymentAppliedData = Omit<PaymentEventData, 'paidAt' | 'webhookEventId' | 'refundId' | 'refundReference'> & {
  paidAt: string;
  webhookEventId: string | null;
};
