/**
 * Applying what the bank says about a payment, inside one transaction: the payment and its
 * declaration only move forward, the money is booked once, and anything that does not fit is
 * recorded as an anomaly for finance instead of being applied.
 */
import type { Queryable } from '../../ports/database.port';
import type { PaymentMethod } from '../../ports/bank.port';
import type { IdGenerator } from '../../ports/ids.port';
import { enqueueEvents } from '../events/outbox.repository';
import type { OutboxEntry } from '../../ports/outbox.port';
import type { ReviewService } from '../declarations/review.service';
import { findDeclaration } from '../declarations/declarations.repository';
import { PAYABLE_STATUSES } from '../declarations/declaration-state-machine';
import { bookJournal } from './ledger';
import { recordAnomaly } from './anomalies.repository';

export { recordAnomaly };
import { canMove, type PaymentStatus } from './payment-state-machine';
import { PAYMENT_APPLIED, PAYMENT_APPLIED_SOURCE, type Payment, type PaymentAppliedData } from './payment.types';
import { findLivePaymentForDeclaration, findPayment, updatePayment } from './payments.repository';

export interface BankSaysPaid {
  transactionId: string;
  amount: number;
  currency: string;
  paidAt: Date;
}

export type ApplyOutcome = 'applied' | 'already_applied' | 'mismatch' | 'anomaly';

/** A status a payment moved to inside a transaction: report it (PaymentStatusListener) once that commits. */
export interface PaymentStatusReached {
  status: PaymentStatus;
  method: PaymentMethod;
}

/** Told of each status a payment reaches, once the change has committed (metrics); the domain knows no metrics SDK. */
export type PaymentStatusListener = (status: PaymentStatus, method: PaymentMethod) => void;

/** Tells the listener of the statuses reached by a transaction that has committed. */
export function reportStatuses(reached: readonly (PaymentStatusReached | undefined)[], listener: PaymentStatusListener | undefined): void {
  if (!listener) return;
  for (const r of reached) if (r) listener(r.status, r.method);
}

/** Why the bank's amount or currency cannot be this payment's, or undefined when they match. */
export function mismatchOf(payment: Pick<Payment, 'amount' | 'currency'>, paid: { amount: number; currency: string }): string | undefined {
  if (paid.currency !== payment.currency) return `currency ${paid.currency}, expected ${payment.currency}`;
  if (paid.amount !== payment.amount) return `amount ${paid.amount} XAF, expected ${payment.amount} XAF`;
  return undefined;
}

export function createPaymentApplication(deps: { ids: IdGenerator; review: ReviewService }) {
  return {
    /** `reached` is set when the payment moved to succeeded (even when the declaration could not follow: anomaly). */
    async applyPaid(
      tx: Queryable,
      paymentId: string,
      paid: BankSaysPaid,
      at: Date,
      webhookEventId?: string,
    ): Promise<{ outcome: ApplyOutcome; events: OutboxEntry[]; reached?: PaymentStatusReached }> {
      const payment = (await findPayment(tx, paymentId, true))!;
      if (payment.transactionId === paid.transactionId && payment.status !== 'pending' && payment.status !== 'failed' && payment.status !== 'expired') {
        return { outcome: 'already_applied', events: [] };
      }
      const mismatch = mismatchOf(payment, paid);
      if (mismatch) {
        await recordAnomaly(tx, deps.ids, at, {
          kind: 'amount_mismatch',
          paymentId,
          webhookEventId: webhookEventId ?? null,
          detail: `bank reported ${mismatch}; nothing was marked paid`,
        });
        return { outcome: 'mismatch', events: [] };
      }
      if (!canMove(payment.status, 'succeeded')) {
        await recordAnomaly(tx, deps.ids, at, {
          kind: 'second_transaction',
          paymentId,
          webhookEventId: webhookEventId ?? null,
          detail: `payment already ${payment.status} with transaction ${payment.transactionId}; bank reports another transaction ${paid.transactionId}: refund it`,
        });
        return { outcome: 'anomaly', events: [] };
      }
      const declaration = (await findDeclaration(tx, payment.declarationId, true))!;
      // A failed or expired payment completed at the bank after another payment took the declaration:
      // the money arrived, so it is booked, and flagged for finance to refund; the payment stays as it
      // was (two live payments for one declaration are refused) and nothing says it was applied.
      const journal = {
        kind: 'payment',
        externalRef: paid.transactionId,
        paymentId,
        declarationId: declaration.id,
        ministry: declaration.ministry,
        serviceCode: declaration.serviceCode,
        amount: paid.amount,
        at,
      } as const;
      const live = await findLivePaymentForDeclaration(tx, declaration.id);
      if (live && live.id !== paymentId) {
        const booked = await bookJournal(tx, deps.ids, journal);
        if (!booked) return { outcome: 'already_applied', events: [] };
        await recordAnomaly(tx, deps.ids, at, {
          kind: 'paid_twice',
          paymentId,
          webhookEventId: webhookEventId ?? null,
          detail: `payment ${payment.reference} was ${payment.status} and is paid by transaction ${paid.transactionId} (${paid.amount} XAF) while payment ${live.reference} (${live.status}) holds declaration ${declaration.reference}; the money is booked and must be refunded`,
        });
        return { outcome: 'anomaly', events: [] };
      }
      await updatePayment(tx, paymentId, { status: 'succeeded', transactionId: paid.transactionId, paidAt: paid.paidAt }, at);
      const reached: PaymentStatusReached = { status: 'succeeded', method: payment.method };
      await bookJournal(tx, deps.ids, journal);
      // Money for a service fee whose quote expired meanwhile is still applied: the payer paid the quoted fee in time at BANGE.
      const payable = PAYABLE_STATUSES.includes(declaration.status) || (declaration.kind === 'service_fee' && declaration.status === 'expired');
      if (!payable) {
        await recordAnomaly(tx, deps.ids, at, {
          kind: 'paid_after_close',
          paymentId,
          webhookEventId: webhookEventId ?? null,
          detail: `declaration ${declaration.reference} is ${declaration.status}; the money is booked and must be refunded`,
        });
        return { outcome: 'anomaly', events: [], reached };
      }
      const { events } = await deps.review.markPaid(tx, declaration.id, declaration, { enqueue: false });
      // Receipts and the payer's message follow what was applied, never the bank's word alone.
      const data: PaymentAppliedData = {
        paymentId,
        declarationId: declaration.id,
        ownerId: payment.ownerId,
        reference: payment.reference,
        transactionId: paid.transactionId,
        amount: paid.amount,
        currency: 'XAF',
        method: payment.method,
        paidAt: paid.paidAt.toISOString(),
        webhookEventId: webhookEventId ?? null,
      };
      const applied: OutboxEntry = {
        topic: 'payment-applied',
        event: { id: deps.ids.uuid(), type: PAYMENT_APPLIED, source: PAYMENT_APPLIED_SOURCE, subject: paymentId, time: at.toISOString(), data },
      };
      // The declaration's events and payment.applied in one statement.
      await enqueueEvents(tx, [...events, applied], at);
      return { outcome: 'applied', events: [...events, applied], reached };
    },

    /** The status reached (failed), or undefined when the payment could not move there. */
    async applyFailed(tx: Queryable, paymentId: string, at: Date): Promise<PaymentStatusReached | undefined> {
      const payment = (await findPayment(tx, paymentId, true))!;
      if (!canMove(payment.status, 'failed')) return undefined;
      await updatePayment(tx, paymentId, { status: 'failed' }, at);
      return { status: 'failed', method: payment.method };
    },
  };
}

export type PaymentApplication = ReturnType<typeof createPaymentApplication>;
