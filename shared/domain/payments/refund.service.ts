/**
 * Refunds by finance, of service fees that were paid and then rejected, as a payment service provider
 * does them: (1) the refund row is committed `submitted`, holding its amount back from what can still
 * be refunded; (2) BANGE is called with an idempotency key derived from that row; (3) the outcome is
 * recorded in its own transaction. A retried request (same Idempotency-Key) finds its row and asks
 * BANGE again with the same key, so BANGE refunds once; rows left submitted are finished by `sweep`.
 */
import type { Database } from '../../ports/database.port';
import { BankError } from '../../ports/bank-errors';
import { AppError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Logger } from '../../ports/logger.port';
import type { Bank, BankPayment } from '../../ports/bank.port';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { AuditLog } from '../audit/audit-log';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import type { Principal } from '../identity/principal';
import { reportTransitions, type TransitionListener } from '../declarations/declaration-transitions';
import { findDeclaration } from '../declarations/declarations.repository';
import { reportStatuses, type PaymentStatusListener, type PaymentStatusReached } from './payment-application';
import type { Payment } from './payment.types';
import { findPayment } from './payments.repository';
import { applyBankRefund } from './refund-application';
import {
  findRefund,
  findRefundByRequest,
  findStaleSubmittedRefunds,
  insertSubmittedRefund,
  markRefundFailed,
  submittedAmount,
  type Refund,
} from './refunds.repository';

export interface RefundServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bank: Bank;
  audit: AuditLog;
  publisher: OutboxPublisher;
  logger?: Logger;
  /** The status a refund moved its payment to (partially_refunded, refunded), once committed (metrics: payments). */
  onStatus?: PaymentStatusListener;
  /** The declaration's move to refunded, once committed (metrics: declaration_transitions). */
  onTransition?: TransitionListener;
}

/** The key BANGE sees for a refund row: every attempt for that row sends the same one. */
export const refundIdempotencyKey = (refundId: string) => `refund:${refundId}`;

/** How long a refund may stay submitted before the sweeper asks BANGE about it. */
export const REFUND_SWEEP_AFTER_MS = 5 * 60_000;

export function createRefundService(deps: RefundServiceDeps) {
  /** Step 3: what BANGE answered about the refund, applied once (the webhook may have applied it first). */
  async function recordAccepted(
    refund: Pick<Refund, 'id' | 'paymentId' | 'amount'>,
    atBank: BankPayment,
    ip: string | null,
    actorId: string | null,
  ): Promise<void> {
    const bankRefund = atBank.refunds?.find((r) => r.reference === refund.id);
    const events: OutboxEntry[] = [];
    let reached: PaymentStatusReached | undefined;
    await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      // A bank that lists no refunds still echoes our reference in its webhook, which finds the row by id.
      const result = await applyBankRefund(tx, deps.ids, {
        paymentId: refund.paymentId,
        bangeRefundId: bankRefund?.id ?? `${atBank.id}:${refund.id}`,
        reference: refund.id,
        amount: refund.amount,
        at: now,
      });
      events.push(...result.events);
      reached = result.reached;
      if (result.outcome === 'applied') {
        await deps.audit.record(tx, {
          action: 'payment.refunded',
          actorId,
          target: `payment:${refund.paymentId}`,
          ip: ip ?? '',
          details: { refundId: refund.id, amount: refund.amount, bangeRefundId: bankRefund?.id ?? null },
        });
      }
    });
    reportStatuses([reached], deps.onStatus);
    reportTransitions(events, deps.onTransition);
    await deps.publisher.publishCommitted(events);
  }

  /** Step 2, then 3. A refusal by BANGE fails the row (its amount is released); anything else leaves it submitted for a retry or the sweeper. */
  async function submitToBank(
    refund: Pick<Refund, 'id' | 'paymentId' | 'amount'>,
    bangePaymentId: string,
    ip: string | null,
    actorId: string | null,
  ): Promise<void> {
    let atBank: BankPayment;
    try {
      atBank = await deps.bank.refund(bangePaymentId, refund.amount, refundIdempotencyKey(refund.id), refund.id);
    } catch (err) {
      if (err instanceof BankError && (err.kind === 'refused' || err.kind === 'invalid_request')) {
        await markRefundFailed(deps.db, refund.id, err.message, deps.clock.now());
        throw new AppError('refund_refused', `BANGE refused the refund: ${err.message}`);
      }
      throw err;
    }
    await recordAccepted(refund, atBank, ip, actorId);
  }

  return {
    async refund(principal: Principal, input: { paymentId: string; amount: number; reason: string }, ip: string, requestKey?: string): Promise<Payment> {
      // Step 1: the row, committed before BANGE hears of it.
      const refund = await deps.db.transaction(async (tx) => {
        const payment = await findPayment(tx, input.paymentId, true);
        if (!payment) throw new NotFoundError(`No payment ${input.paymentId}.`);
        const retried = requestKey ? await findRefundByRequest(tx, principal.userId, requestKey) : undefined;
        if (retried) {
          if (retried.paymentId !== payment.id || retried.amount !== input.amount)
            throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used for another refund; use a new key for a new refund.');
          return { refund: retried, bangePaymentId: payment.bangePaymentId! };
        }
        if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded')
          throw new AppError('payment_not_refundable', `Payment ${payment.reference} is ${payment.status}; only received money can be refunded.`);
        const declaration = (await findDeclaration(tx, payment.declarationId, true))!;
        if (declaration.status !== 'rejected')
          throw new AppError(
            'declaration_not_rejected',
            `Declaration ${declaration.reference} is ${declaration.status}; refunds are for rejected declarations.`,
          );
        // The payment row is locked: refunds of one payment are checked one at a time, counting those BANGE has not answered yet.
        const held = await submittedAmount(tx, payment.id);
        const refundable = payment.amount - payment.refundedAmount - held;
        if (input.amount > refundable) {
          throw new ValidationError(
            `At most ${refundable} XAF can still be refunded on ${payment.reference} (${payment.amount} paid, ${payment.refundedAmount} refunded, ${held} being refunded).`,
            [{ path: 'body.amount', message: `expected at most ${refundable}` }],
          );
        }
        const row = {
          id: deps.ids.uuid(),
          paymentId: payment.id,
          amount: input.amount,
          reason: input.reason,
          requestedBy: principal.userId,
          requestKey: requestKey ?? null,
          at: deps.clock.now(),
        };
        await insertSubmittedRefund(tx, row);
        await deps.audit.record(tx, {
          action: 'payment.refund_submitted',
          actorId: principal.userId,
          target: `payment:${payment.id}`,
          ip,
          details: { refundId: row.id, amount: input.amount, reason: input.reason },
        });
        const created = (await findRefund(tx, row.id))!;
        return { refund: created, bangePaymentId: payment.bangePaymentId! };
      });
      if (refund.refund.status === 'failed')
        throw new AppError('refund_refused', `This refund was refused by BANGE: ${refund.refund.failure ?? 'no reason given'}`);
      if (refund.refund.status === 'submitted') await submitToBank(refund.refund, refund.bangePaymentId, ip, principal.userId);
      return (await findPayment(deps.db, input.paymentId))!;
    },

    /**
     * The sweeper: each refund left submitted for `REFUND_SWEEP_AFTER_MS` is asked about at BANGE.
     * Found there (by our reference): recorded. Not found: BANGE never got it, so it is sent again
     * with the row's own key (at most one refund per key at BANGE). Refused: failed.
     */
    async sweep(limit = 100): Promise<{ examined: number; succeeded: number; failed: number; pending: number }> {
      const now = deps.clock.now();
      const stale = await findStaleSubmittedRefunds(deps.db, new Date(now.getTime() - REFUND_SWEEP_AFTER_MS), limit);
      const counts = { examined: stale.length, succeeded: 0, failed: 0, pending: 0 };
      for (const refund of stale) {
        try {
          const atBank = await deps.bank.getPayment(refund.bangePaymentId);
          if (atBank?.refunds?.some((r) => r.reference === refund.id)) await recordAccepted(refund, atBank, null, null);
          else await submitToBank(refund, refund.bangePaymentId, null, null);
          counts.succeeded++;
        } catch (err) {
          if (err instanceof AppError && err.code === 'refund_refused') counts.failed++;
          else {
            counts.pending++;
            deps.logger?.warning('refund still submitted: BANGE could not be asked', { refundId: refund.id, err });
          }
        }
      }
      return counts;
    },
  };
}
