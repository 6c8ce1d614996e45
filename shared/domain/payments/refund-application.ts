/**
 * Applying a refund BANGE made, inside one transaction, whoever reports it (the refund request's own
 * outcome step, the sweeper, a `payment.refunded` webhook): the refund row, the payment's refunded
 * amount, one ledger journal keyed by BANGE's refund id, the voided receipt and the refunded
 * declaration move once; a second report of the same refund changes nothing.
 */
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';
import { applyTransition } from '../declarations/declaration-transitions';
import { findDeclaration } from '../declarations/declarations.repository';
import type { OutboxEntry } from '../../ports/outbox.port';
import { bookJournal } from './ledger';
import { recordAnomaly, type PaymentStatusReached } from './payment-application';
import { findPayment, updatePayment } from './payments.repository';
import { voidReceipt } from './receipts.repository';
import { findRefund, findRefundByBangeId, insertBankRefund, markRefundSucceeded } from './refunds.repository';

export interface BankSaysRefunded {
  paymentId: string;
  /** BANGE's id of the refund. */
  bangeRefundId: string;
  /** The reference we sent with the refund (our refund id); null or absent for a refund started at the bank. */
  reference?: string | null;
  amount: number;
  at: Date;
  webhookEventId?: string | null;
}

export type RefundOutcome = 'applied' | 'already_applied' | 'anomaly';

export async function applyBankRefund(
  tx: Queryable,
  ids: IdGenerator,
  r: BankSaysRefunded,
): Promise<{ outcome: RefundOutcome; refundId?: string; events: OutboxEntry[]; reached?: PaymentStatusReached }> {
  // The payment row first, as a refund request locks it: reports of one payment's refunds queue here.
  const payment = (await findPayment(tx, r.paymentId, true))!;
  const known = await findRefundByBangeId(tx, r.bangeRefundId, true);
  if (known) return { outcome: 'already_applied', refundId: known.id, events: [] };
  const ours = r.reference ? await findRefund(tx, r.reference, true) : undefined;
  if (ours && ours.paymentId !== payment.id) {
    await recordAnomaly(tx, ids, r.at, {
      kind: 'refund_mismatch',
      paymentId: payment.id,
      webhookEventId: r.webhookEventId ?? null,
      detail: `BANGE refund ${r.bangeRefundId} names refund ${ours.id} of another payment`,
    });
    return { outcome: 'anomaly', events: [] };
  }
  if (ours?.status === 'succeeded') return { outcome: 'already_applied', refundId: ours.id, events: [] };
  const refundable = payment.amount - payment.refundedAmount;
  const refundableStatus = payment.status === 'succeeded' || payment.status === 'partially_refunded';
  if (!refundableStatus || r.amount > refundable || (ours && ours.amount !== r.amount)) {
    const why = !refundableStatus
      ? `payment is ${payment.status}`
      : r.amount > refundable
        ? `only ${refundable} XAF was left to refund`
        : `our refund ${ours!.id} was of ${ours!.amount} XAF`;
    await recordAnomaly(tx, ids, r.at, {
      kind: 'refund_not_applicable',
      paymentId: payment.id,
      webhookEventId: r.webhookEventId ?? null,
      detail: `BANGE refunded ${r.amount} XAF (refund ${r.bangeRefundId}) but ${why}; nothing was booked`,
    });
    return { outcome: 'anomaly', events: [] };
  }

  let refundId: string;
  if (ours) {
    refundId = ours.id;
    await markRefundSucceeded(tx, ours.id, r.bangeRefundId, r.at);
  } else {
    refundId = ids.uuid();
    await insertBankRefund(tx, { id: refundId, paymentId: payment.id, amount: r.amount, bangeRefundId: r.bangeRefundId, at: r.at });
  }
  const refunded = payment.refundedAmount + r.amount;
  const updated = await updatePayment(
    tx,
    payment.id,
    { refundedAmount: refunded, status: refunded === payment.amount ? 'refunded' : 'partially_refunded' },
    r.at,
  );
  const declaration = (await findDeclaration(tx, payment.declarationId, true))!;
  await bookJournal(tx, ids, {
    kind: 'refund',
    externalRef: r.bangeRefundId,
    paymentId: payment.id,
    declarationId: declaration.id,
    ministry: declaration.ministry,
    serviceCode: declaration.serviceCode,
    amount: r.amount,
    at: r.at,
  });
  const events: OutboxEntry[] = [];
  if (updated.status === 'refunded') {
    await voidReceipt(tx, payment.id, 'refunded', r.at);
    if (declaration.status === 'rejected') {
      const acting = ours ? { actor: 'finance' as const, userId: ours.requestedBy } : { actor: 'system' as const, userId: null };
      events.push((await applyTransition(tx, ids, r.at, declaration, { action: 'refund', acting, reason: ours?.reason ?? 'refunded at BANGE' })).event);
    } else if (declaration.status !== 'refunded') {
      await recordAnomaly(tx, ids, r.at, {
        kind: 'refund_of_open_declaration',
        paymentId: payment.id,
        webhookEventId: r.webhookEventId ?? null,
        detail: `BANGE refunded all of ${payment.reference} while declaration ${declaration.reference} is ${declaration.status}; the refund is booked, the declaration needs a decision`,
      });
    }
  }
  const reached = updated.status !== payment.status ? { status: updated.status, method: payment.method } : undefined;
  return { outcome: 'applied', refundId, events, ...(reached ? { reached } : {}) };
}
