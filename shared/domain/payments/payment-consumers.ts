/**
 * The payment consumers, each idempotent through its inbox: apply the payment (payment-events:
 * payment, declaration and ledger move forward only, then `payment.applied` is published) and issue
 * the receipt of an applied payment (payment-applied). Notifying the payer is shared/domain/notifications.
 */
import type { Database } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { DomainEvent, EventHandler } from '../../ports/event-bus.port';
import type { IdGenerator } from '../../ports/ids.port';
import { handleOnce } from '../events/inbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import type { KeyRing } from '../identity/key-ring';
import { reportTransitions, type TransitionListener } from '../declarations/declaration-transitions';
import { reportStatuses, type PaymentApplication, type PaymentStatusListener, type PaymentStatusReached } from './payment-application';
import { PAYMENT_APPLIED, type PaymentAppliedData, type PaymentEventData } from './payment.types';
import { applyBankRefund } from './refund-application';
import type { ReceiptClaims } from './receipt.types';
import { signReceipt } from './receipts';
import { readReceiptFacts, storeReceipt } from './receipts.repository';

export interface PaymentConsumerDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  application: PaymentApplication;
  publisher: OutboxPublisher;
  keys: () => KeyRing;
  /** Each status a payment reaches, once committed (metrics: payments). */
  onStatus?: PaymentStatusListener;
  /** The declaration changes a payment caused, once committed (metrics: declaration_transitions). */
  onTransition?: TransitionListener;
  /** Each receipt stored for the first time, once committed (metrics: receipts_issued). */
  onReceiptIssued?: () => void;
}

const data = (event: DomainEvent) => event.data as PaymentEventData;

export function createPaymentConsumers(deps: PaymentConsumerDeps): { applyPayment: EventHandler; issueReceipt: EventHandler } {
  return {
    async applyPayment(event, delivery) {
      const d = data(event);
      const events: OutboxEntry[] = [];
      let reached: PaymentStatusReached | undefined;
      await handleOnce(deps.db, delivery.subscription, event.id, deps.clock.now(), async (tx) => {
        const now = deps.clock.now();
        if (event.type === 'payment.succeeded') {
          const result = await deps.application.applyPaid(
            tx,
            d.paymentId,
            { transactionId: d.transactionId, amount: d.amount, currency: d.currency, paidAt: d.paidAt ? new Date(d.paidAt) : now },
            now,
            d.webhookEventId,
          );
          events.push(...result.events);
          reached = result.reached;
          if (result.outcome !== 'applied')
            deps.logger.warning(`payment ${d.reference}: ${result.outcome}`, { paymentId: d.paymentId, webhookEventId: d.webhookEventId });
        } else if (event.type === 'payment.failed') {
          reached = await deps.application.applyFailed(tx, d.paymentId, now);
        } else if (event.type === 'payment.refunded') {
          // Ours (the reference names our refund row) or started at the bank: applied once either way, keyed by BANGE's refund id.
          const result = await applyBankRefund(tx, deps.ids, {
            paymentId: d.paymentId,
            bangeRefundId: d.refundId ?? `webhook:${d.webhookEventId}`,
            reference: d.refundReference ?? null,
            amount: d.amount,
            at: now,
            webhookEventId: d.webhookEventId,
          });
          events.push(...result.events);
          reached = result.reached;
          if (result.outcome === 'anomaly')
            deps.logger.warning(`refund of ${d.reference}: ${result.outcome}`, { paymentId: d.paymentId, webhookEventId: d.webhookEventId });
        }
      });
      // handleOnce resolves after the commit: what was set above is committed (a duplicate set nothing).
      reportStatuses([reached], deps.onStatus);
      reportTransitions(events, deps.onTransition);
      await deps.publisher.publishCommitted(events);
    },

    async issueReceipt(event, delivery) {
      if (event.type !== PAYMENT_APPLIED) return;
      const d = event.data as PaymentAppliedData;
      let issued = false;
      await handleOnce(deps.db, delivery.subscription, event.id, deps.clock.now(), async (tx) => {
        const now = deps.clock.now();
        const facts = (await readReceiptFacts(tx, d.paymentId, now.getUTCFullYear()))!;
        const claims: ReceiptClaims = {
          number: facts.number,
          taxpayer: { id: facts.ownerId, ...facts.taxpayer },
          declaration: facts.declaration,
          amount: d.amount,
          currency: 'XAF',
          paidAt: d.paidAt,
          bangeTransactionId: d.transactionId,
          paymentReference: facts.paymentReference,
          issuedAt: now.toISOString(),
        };
        const stored = await storeReceipt(tx, deps.ids, {
          number: claims.number,
          paymentId: facts.paymentId,
          declarationId: facts.declaration.id,
          token: await signReceipt(tx, deps.keys(), claims),
          issuedAt: now,
        });
        // Numbers are unique: another number means the payment had its receipt already.
        issued = stored.number === claims.number;
      });
      if (issued) deps.onReceiptIssued?.();
    },
  };
}
