/** The event data the notifications consumer reads, checked at the edge: declaration transitions and payments. */
import { z } from 'zod';
import type { DeclarationTransitionData } from '../events/declaration-events';
import type { PasswordResetRequestedData, ReviewAlertData } from '../events/notice-events';

const id = z.guid({ message: 'expected a user id (uuid)' });

/** The fields of a `declaration.<to-status>` event (declaration-events.ts) that messages use. */
export const declarationEventData = z.object({
  declarationId: z.string().min(1),
  reference: z.string().min(1),
  kind: z.enum(['service_fee', 'tax_return']),
  ownerId: id,
  to: z.string().min(1),
  action: z.string().min(1),
  reason: z.string().nullable(),
  amount: z.number().int('expected an integer amount of XAF'),
  currency: z.literal('XAF'),
}) satisfies z.ZodType<
  Pick<DeclarationTransitionData, 'declarationId' | 'reference' | 'kind' | 'ownerId' | 'to' | 'action' | 'reason' | 'amount' | 'currency'>
>;

export type DeclarationEventData = z.output<typeof declarationEventData>;

/**
 * What the consumer needs from `payment.applied` on topic `payment-applied` (published by
 * apply-payment once the payment is applied; its data also carries paymentId and paidAt, ignored here).
 */
export interface PaymentAppliedData {
  /** The payer: the owner of the declaration the payment settles. */
  ownerId: string;
  declarationId: string;
  /** Our payment reference, the one sent to BANGE at initiation. */
  reference: string;
  /** Integer XAF. */
  amount: number;
  currency: 'XAF';
}

export const PAYMENT_APPLIED = 'payment.applied';

export const paymentAppliedData = z.object({
  ownerId: id,
  declarationId: z.string().min(1),
  reference: z.string().min(1),
  amount: z.number().int('expected an integer amount of XAF'),
  currency: z.literal('XAF'),
}) satisfies z.ZodType<PaymentAppliedData>;

/** `review.sla_warning`, `review.escalated` on topic `notifications` (notice-events.ts): one event per agent or supervisor told. */
export const reviewAlertData = z.object({
  userId: id,
  declarationId: z.string().min(1),
  reference: z.string().min(1),
  kind: z.enum(['service_fee', 'tax_return']),
  waitingHours: z.number().int().nonnegative(),
}) satisfies z.ZodType<Pick<ReviewAlertData, 'userId' | 'declarationId' | 'reference' | 'kind' | 'waitingHours'>>;

/** `account.password_reset_requested` on topic `notifications`: an address, and the request the link belongs to. */
export const passwordResetRequestedData = z.object({ email: z.string().min(3), requestId: z.guid() }) satisfies z.ZodType<PasswordResetRequestedData>;

/** Parses event data, throwing one line that names each bad field (never its value). */
export function readEventData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new Error(`unexpected event data: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`);
}
