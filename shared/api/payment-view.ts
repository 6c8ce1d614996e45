/** Maps a domain payment to its API shape: the one mapper the payments and finance routes share. */
import type { z } from 'zod';
import type { Payment } from '../domain/payments/payment.types';
import type { PaymentSchema } from './payments.routes';

export function toPaymentBody(p: Payment): z.input<typeof PaymentSchema> {
  return {
    id: p.id,
    reference: p.reference,
    declarationId: p.declarationId,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    method: p.method,
    checkoutUrl: p.checkoutUrl,
    expiresAt: p.expiresAt.toISOString(),
    paidAt: p.paidAt?.toISOString() ?? null,
    refundedAmount: p.refundedAmount,
  };
}
