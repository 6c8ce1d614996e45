/** Payment services built once per runtime: the bank adapter, webhook ingestion, consumers, receipts. */
import { parseBangeWebhook } from '../adapters/bank/bange-api.schemas';
import { createBangeHttpBank } from '../adapters/bank/bange-http.adapter';
import { verifyBangeSignature, WebhookSignatureError } from '../adapters/bank/bange-signature';
import { createPaymentApplication, type PaymentStatusListener } from '../domain/payments/payment-application';
import { createPaymentConsumers } from '../domain/payments/payment-consumers';
import { createPaymentService } from '../domain/payments/payment.service';
import { createRefundService } from '../domain/payments/refund.service';
import { createReceiptReader } from '../domain/payments/receipt-reader.service';
import { createReplayService } from '../domain/payments/replay.service';
import { createWebhookIngestion } from '../domain/payments/webhook-ingestion';
import { AppError } from '../errors/app-error';
import { getReviewService, recordDeclarationChanges } from './declarations';
import { getOutboxPublisher } from './bus';
import { getAuditLog, getKeyRing } from './identity';
import { perRuntime, type Runtime } from './runtime';
import type { SubscriptionHandlers } from './subscriptions';

/** Counts each status a payment reached, once committed, in payments{status, method}. */
const recordPaymentStatus =
  (rt: Runtime): PaymentStatusListener =>
  (status, method) =>
    rt.metrics().recorder.increment('payments', { status, method });

export const WEBHOOK_PATH = '/webhooks/bange';

export const getBank = perRuntime((rt) =>
  createBangeHttpBank({ apiUrl: rt.config.bange.apiUrl, apiKey: rt.config.bange.apiKey, timeoutMs: rt.config.bange.timeoutMs }),
);

export const getPaymentApplication = perRuntime((rt) => createPaymentApplication({ ids: rt.ids, review: getReviewService() }));

export const getPaymentService = perRuntime((rt) =>
  createPaymentService({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    bank: getBank(),
    application: getPaymentApplication(),
    publisher: getOutboxPublisher(),
    callbackUrl: `${rt.config.publicBaseUrl}${WEBHOOK_PATH}`,
    returnUrlTemplate: rt.config.bange.returnUrlTemplate,
    onStatus: recordPaymentStatus(rt),
    onTransition: recordDeclarationChanges(rt),
  }),
);

export const getWebhookIngestion = perRuntime((rt) =>
  createWebhookIngestion({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    publisher: getOutboxPublisher(),
    onOutcome: (outcome, type) => rt.metrics().recorder.increment('webhooks_received', { type: type ?? 'unknown', outcome }),
    parseWebhook: parseBangeWebhook,
    verifySignature: (rawBody, header) => {
      try {
        verifyBangeSignature({ rawBody, header, secrets: rt.config.bange.webhookSecrets, now: rt.clock.now() });
      } catch (err) {
        if (err instanceof WebhookSignatureError) {
          rt.logger.warning('webhook refused', { reason: err.reason });
          rt.metrics().recorder.increment('webhooks_received', { type: 'unknown', outcome: 'bad_signature' });
          throw new AppError('unauthenticated', err.message);
        }
        throw err;
      }
    },
  }),
);

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

export const getRefundService = perRuntime((rt) =>
  createRefundService({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    bank: getBank(),
    audit: getAuditLog(),
    publisher: getOutboxPublisher(),
    logger: rt.logger,
    onStatus: recordPaymentStatus(rt),
    onTransition: recordDeclarationChanges(rt),
  }),
);

export const getReplayService = perRuntime((rt) =>
  createReplayService({ db: rt.db, clock: rt.clock, ids: rt.ids, publisher: getOutboxPublisher(), audit: getAuditLog() }),
);

export const getReceiptReader = perRuntime((rt) => createReceiptReader({ db: rt.db, keys: getKeyRing }));

/** The subscriptions whose consumers are the payment's (the apply-payment and issue-receipt functions). */
export const paymentSubscriptionHandlers = {
  'apply-payment': () => getPaymentConsumers().applyPayment,
  'issue-receipt': () => getPaymentConsumers().issueReceipt,
} satisfies SubscriptionHandlers;
