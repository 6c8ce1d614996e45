/** Refunds by finance, of service fees that were paid and then rejected: never more than was paid. */
import type { Database } from '../../adapters/db/database';
import { AppError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Bank } from '../../ports/bank.port';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { AuditLog } from '../audit/audit-log';
import type { OutboxEntry, OutboxPublisher } from '../events/event-outbox';
import type { Principal } from '../identity/principal';
import { applyTransition, reportTransitions, type TransitionListener } from '../declarations/declaration-transitions';
import { findDeclaration } from '../declarations/declarations.repository';
import { bookJournal } from './ledger';
import type { PaymentStatusListener } from './payment-application';
import type { Payment } from './payment.types';
import { findPayment, updatePayment } from './payments.repository';

export interface RefundServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bank: Bank;
  audit: AuditLog;
  publisher: OutboxPublisher;
  /** The status a refund moved its payment to (partially_refunded, refunded), once committed (metrics: payments). */
  onStatus?: PaymentStatusListener;
  /** The declaration's move to refunded, once committed (metrics: declaration_transitions). */
  onTransition?: TransitionListener;
}

export function createRefundService(deps: RefundServiceDeps) {
  return {
    async refund(principal: Principal, input: { paymentId: string; amount: number; reason: string }, ip: string): Promise<Payment> {
      const events: OutboxEntry[] = [];
      const result = await deps.db.transaction(async (tx) => {
        const payment = await findPayment(tx, input.paymentId, true);
        if (!payment) throw new NotFoundError(`No payment ${input.paymentId}.`);
        if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') throw new AppError('conflict', `Payment ${payment.reference} is ${payment.status}; only received money can be refunded.`);
        const declaration = (await findDeclaration(tx, payment.declarationId, true))!;
        if (declaration.status !== 'rejected') throw new AppError('conflict', `Declaration ${declaration.reference} is ${declaration.status}; refunds are for rejected declarations.`);
        const refundable = payment.amount - payment.refundedAmount;
        if (input.amount > refundable) {
          throw new ValidationError(`At most ${refundable} XAF can still be refunded on ${payment.reference} (${payment.amount} paid, ${payment.refundedAmount} refunded).`, [{ path: 'body.amount', message: `expected at most ${refundable}` }]);
        }
        const id = deps.ids.uuid();
        const now = deps.clock.now();
        // The row lock is held across the bank call, so two refunds of one payment cannot both pass the check above.
        await deps.bank.refund(payment.bangePaymentId!, input.amount, `refund:${id}`);
        const refunded = payment.refundedAmount + input.amount;
        const updated = await updatePayment(tx, payment.id, { refundedAmount: refunded, status: refunded === payment.amount ? 'refunded' : 'partially_refunded' }, now);
        await tx.query("INSERT INTO refunds (id, payment_id, amount, reason, status, requested_by, created_at) VALUES ($1, $2, $3, $4, 'succeeded', $5, $6)", [id, payment.id, input.amount, input.reason, principal.userId, now]);
        await bookJournal(tx, deps.ids, { kind: 'refund', externalRef: id, paymentId: payment.id, declarationId: declaration.id, ministry: declaration.ministry, serviceCode: declaration.serviceCode, amount: input.amount, at: now });
        if (updated.status === 'refunded') {
          events.push((await applyTransition(tx, deps.ids, now, declaration, { action: 'refund', acting: { actor: 'finance', userId: principal.userId }, reason: input.reason })).event);
        }
        await deps.audit.record(tx, { action: 'payment.refunded', actorId: principal.userId, target: `payment:${payment.id}`, ip, details: { amount: input.amount, refundedTotal: refunded, reason: input.reason } });
        return { updated, moved: updated.status !== payment.status };
      });
      // A second partial refund changes the amount, not the status: only a new status is reported.
      if (result.moved) deps.onStatus?.(result.updated.status, result.updated.method);
      reportTransitions(events, deps.onTransition);
      await deps.publisher.publishCommitted(events);
      return result.updated;
    },
  };
}
