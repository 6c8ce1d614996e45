/** Payments from the payer's side: start one at BANGE for a declaration, read it, check it, expire it. */
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../../ports/database.port';
import { AppError, NotFoundError } from '../../errors/app-error';
import type { Bank, BankPayment, PaymentMethod } from '../../ports/bank.port';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import type { Principal } from '../identity/principal';
import { findUserById } from '../identity/users.repository';
import { reportTransitions, type TransitionListener } from '../declarations/declaration-transitions';
import { findDeclaration } from '../declarations/declarations.repository';
import { PAYABLE_STATUSES } from '../declarations/declaration-state-machine';
import { reportStatuses, type PaymentApplication, type PaymentStatusReached, type PaymentStatusListener } from './payment-application';
import type { Payment } from './payment.types';
import { findLivePaymentForDeclaration, findPayment, findPendingPayments, insertPayment, nextPaymentReference, updatePayment } from './payments.repository';

export const PAYMENT_MINUTES = 60;

export interface PaymentServiceDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bank: Bank;
  application: PaymentApplication;
  publisher: OutboxPublisher;
  /** Where BANGE sends webhooks (`<public base>/webhooks/bange`). */
  callbackUrl: string;
  /** Where BANGE's checkout sends the payer back: `{id}` and `{lang}` are filled in (config RETURN_URL_TEMPLATE). */
  returnUrlTemplate?: string;
  /** Each status a payment reaches, once committed (metrics: payments). */
  onStatus?: PaymentStatusListener;
  /** The declaration changes a payment caused (paid, completed…), once committed (metrics: declaration_transitions). */
  onTransition?: TransitionListener;
}

function canSee(principal: Principal, payment: Payment): boolean {
  return principal.userId === payment.ownerId || principal.role === 'finance' || principal.role === 'admin';
}

export function createPaymentService(deps: PaymentServiceDeps) {
  const { db, clock, ids, bank } = deps;

  /** The payer's way back from the checkout, in the payer's language. */
  async function returnUrlOf(payment: Payment): Promise<string> {
    const locale = (await findUserById(db, payment.ownerId))?.locale ?? 'es';
    return deps.returnUrlTemplate!.replaceAll('{id}', encodeURIComponent(payment.id)).replaceAll('{lang}', locale);
  }

  async function applyBankState(paymentId: string, remote: BankPayment): Promise<void> {
    const events: OutboxEntry[] = [];
    const reached = await db.transaction(async (tx: Queryable): Promise<PaymentStatusReached | undefined> => {
      const now = clock.now();
      if (remote.status === 'succeeded') {
        const applied = await deps.application.applyPaid(
          tx,
          paymentId,
          { transactionId: remote.id, amount: remote.amount, currency: remote.currency, paidAt: remote.paidAt ? new Date(remote.paidAt) : now },
          now,
        );
        events.push(...applied.events);
        return applied.reached;
      }
      if (remote.status === 'failed') return deps.application.applyFailed(tx, paymentId, now);
      return undefined;
    });
    reportStatuses([reached], deps.onStatus);
    reportTransitions(events, deps.onTransition);
    await deps.publisher.publishCommitted(events);
  }

  return {
    async create(principal: Principal, input: { declarationId: string; method: PaymentMethod }, idempotencyKey: string): Promise<Payment> {
      const declaration = await findDeclaration(db, input.declarationId);
      if (!declaration || declaration.ownerId !== principal.userId) throw new NotFoundError(`No declaration ${input.declarationId} of yours.`);
      const now = clock.now();
      const payable = PAYABLE_STATUSES.includes(declaration.status);
      if (!payable)
        throw new AppError(
          'declaration_not_payable',
          `Declaration ${declaration.reference} is ${declaration.status}; only one awaiting payment (or an approved tax return) can be paid.`,
        );
      if (declaration.quoteExpiresAt && declaration.quoteExpiresAt <= now) {
        throw new AppError(
          'quote_expired',
          `The quote of ${declaration.reference} expired at ${declaration.quoteExpiresAt.toISOString()}; file a new declaration for the current fee.`,
        );
      }
      // Declarations stored before 0 XAF was refused at validation: nothing to pay, never a 500 on the amount check.
      if (declaration.amount <= 0)
        throw new AppError('nothing_to_pay', `Declaration ${declaration.reference} is for ${declaration.amount} XAF; there is nothing to pay.`);
      const existing = await findLivePaymentForDeclaration(db, declaration.id);
      if (existing)
        throw new AppError(
          'payment_already_live',
          `Declaration ${declaration.reference} already has payment ${existing.reference} (${existing.status}); use it or wait until it expires.`,
        );

      const expiresAt = new Date(Math.min(now.getTime() + PAYMENT_MINUTES * 60_000, declaration.quoteExpiresAt?.getTime() ?? Infinity));
      const payment: Payment = {
        id: ids.uuid(),
        reference: await nextPaymentReference(db, now.getUTCFullYear()),
        declarationId: declaration.id,
        ownerId: principal.userId,
        amount: declaration.amount,
        currency: 'XAF',
        method: input.method,
        status: 'pending',
        bangePaymentId: null,
        checkoutUrl: null,
        transactionId: null,
        refundedAmount: 0,
        expiresAt,
        paidAt: null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await insertPayment(db, payment))) throw new AppError('payment_already_live', `Declaration ${declaration.reference} already has a live payment.`);
      deps.onStatus?.('pending', payment.method);
      // The payment row exists before the bank is called, so a crash in between leaves a pending
      // payment the poller resolves, never money the platform does not know about.
      let remote: BankPayment;
      try {
        remote = await bank.createPayment({
          reference: payment.reference,
          amount: payment.amount,
          currency: 'XAF',
          method: payment.method,
          description: `${declaration.reference} ${declaration.serviceCode ?? declaration.taxType ?? ''}`.trim(),
          callbackUrl: deps.callbackUrl,
          ...(deps.returnUrlTemplate ? { returnUrl: await returnUrlOf(payment) } : {}),
          // Hashed: stable per (payer, key) and within the bank's 255-character limit.
          idempotencyKey: createHash('sha256').update(`${principal.userId}:${idempotencyKey}`).digest('hex'),
        });
      } catch (err) {
        // Nothing was taken: free the declaration for another try.
        await updatePayment(db, payment.id, { status: 'failed' }, clock.now());
        deps.onStatus?.('failed', payment.method);
        throw new AppError(
          'bank_unavailable',
          `BANGE did not accept the payment (${err instanceof Error ? err.message : 'no answer'}); try again in a moment.`,
          undefined,
          { retryAfterSeconds: 10 },
        );
      }
      return updatePayment(db, payment.id, { bangePaymentId: remote.id, checkoutUrl: remote.checkoutUrl }, clock.now());
    },

    async get(principal: Principal, id: string): Promise<Payment> {
      const payment = await findPayment(db, id);
      if (!payment || !canSee(principal, payment)) throw new NotFoundError(`No payment ${id} is visible to you.`);
      return payment;
    },

    /** Asks BANGE now, for a payer who came back from the checkout before the webhook arrived. */
    async check(principal: Principal, id: string): Promise<Payment> {
      const payment = await this.get(principal, id);
      if (payment.status === 'pending' && payment.bangePaymentId) {
        const remote = await bank.getPayment(payment.bangePaymentId);
        if (remote) await applyBankState(payment.id, remote);
      }
      return (await findPayment(db, id))!;
    },

    /** Scheduled: the fallback when webhooks stop — ask BANGE about payments pending too long, expire the stale. */
    async pollPending(olderThanMinutes = 10, limit = 200): Promise<{ checked: number; expired: number }> {
      const now = clock.now();
      const pending = await findPendingPayments(db, new Date(now.getTime() - olderThanMinutes * 60_000), limit);
      let expired = 0;
      for (const p of pending) {
        const remote = p.bangePaymentId ? await bank.getPayment(p.bangePaymentId) : undefined;
        if (remote && remote.status !== 'pending') {
          await applyBankState(p.id, remote);
        } else if (p.expiresAt <= now) {
          // Still pending at the bank after our expiry: no longer offered; a late success still applies.
          const moved = await db.transaction(async (tx) => {
            const locked = (await findPayment(tx, p.id, true))!;
            if (locked.status !== 'pending') return false;
            await updatePayment(tx, p.id, { status: 'expired' }, now);
            return true;
          });
          if (moved) deps.onStatus?.('expired', p.method);
          expired++;
        }
      }
      return { checked: pending.length, expired };
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
