/** Applying payments, built once per runtime: the application of a payment to its declaration, and the consumers of payment events (the apply-payment and issue-receipt functions). */
import { createPaymentApplication, type PaymentStatusListener } from '../domain/payments/payment-application';
import { createPaymentConsumers } from '../domain/payments/payment-consumers';
import { getOutboxPublisher } from './bus';
import { getReviewService, recordDeclarationChanges } from './declarations';
import { getKeyRing } from './identity';
import { perRuntime, type Runtime } from './runtime';
import type { SubscriptionHandlers } from './subscriptions';

/** Counts each status a payment reached, once committed, in payments{status, method}. */
export const recordPaymentStatus =
  (rt: Runtime): PaymentStatusListener =>
  (status, method) =>
    rt.metrics().recorder.increment('payments', { status, method });

export const getPaymentApplication = perRuntime((rt) => createPaymentApplication({ ids: rt.ids, review: getReviewService() }));

export const getPaymentConsumers = perRuntime((rt) =>
  createPaymentConsumers({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    logger: rt.logger,
    application: getPaymentApplication(),
    publisher: getOutboxPublisher(),
    keys: getKeyRing,
    onStatus: recordPaymentStatus(rt),
    onTransition: recordDeclarationChanges(rt),
    onReceiptIssued: () => rt.metrics().recorder.increment('receipts_issued', {}),
  }),
);

/** The subscriptions whose consumers are the payment's (the apply-payment and issue-receipt functions). */
export const paymentSubscriptionHandlers = {
  'apply-payment': () => getPaymentConsumers().applyPayment,
  'issue-receipt': () => getPaymentConsumers().issueReceipt,
} satisfies SubscriptionHandlers;
