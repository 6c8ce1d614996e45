/** BANGE webhook ingestion built once per runtime: signature over the raw bytes, stored and queued in one statement (the webhooks function). */
import { parseBangeWebhook } from '../adapters/bank/bange-api.schemas';
import { verifyBangeSignature, WebhookSignatureError } from '../adapters/bank/bange-signature';
import { createWebhookIngestion } from '../domain/payments/webhook-ingestion';
import { AppError } from '../errors/app-error';
import { getOutboxPublisher } from './bus';
import { perRuntime } from './runtime';

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
