/**
 * Payment services built once per runtime that talk to BANGE or serve payers and finance: the bank
 * adapter, payments, refunds, replays, receipts. Applying payments (the event consumers) is in
 * runtime/payment-application.ts and webhook ingestion in runtime/webhooks.ts, so that the
 * apply-payment, issue-receipt and webhooks functions bundle only what they run.
 */
import { createBangeHttpBank } from '../adapters/bank/bange-http.adapter';
import { createPaymentService } from '../domain/payments/payment.service';
import { createRefundService } from '../domain/payments/refund.service';
import { createReceiptReader } from '../domain/payments/receipt-reader.service';
import { createReplayService } from '../domain/payments/replay.service';
import { recordDeclarationChanges } from './declarations';
import { getOutboxPublisher } from './bus';
import { getAuditLog, getKeyRing } from './identity';
import { getPaymentApplication, recordPaymentStatus } from './payment-application';
import { perRuntime } from './runtime';

export const WEBHOOK_PATH = '/webhooks/bange';

export const getBank = perRuntime((rt) =>
  createBangeHttpBank({ apiUrl: rt.config.bange.apiUrl, apiKey: rt.config.bange.apiKey, timeoutMs: rt.config.bange.timeoutMs }),
);

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
