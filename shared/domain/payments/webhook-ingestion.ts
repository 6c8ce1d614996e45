/**
 * BANGE webhook ingestion: verify the signature over the raw bytes, then in one auto-committed
 * statement store the event under its id (a duplicate changes nothing), resolve it to our payment,
 * and queue it on payment-events through the outbox; published and answered as soon as that commits.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../ports/database.port';
import { AppError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { OutboxPublisher } from '../../ports/outbox.port';
import type { WebhookParse } from '../../ports/bank.port';
import { storeMalformedWebhook, storeWebhook, type PaymentEventDraft } from './payments.repository';

export const PAYMENT_EVENT_SOURCE = '/taxasge/webhooks/bange';

export type IngestOutcome = 'accepted' | 'duplicate' | 'mismatch' | 'unmatched' | 'malformed';

export interface IngestionDeps {
  /** One statement per webhook, auto-committed: no transaction (nor pinned connection) is needed. */
  db: Queryable;
  clock: Clock;
  ids: IdGenerator;
  publisher: OutboxPublisher;
  /** Throws when the signature is not valid (the caller answers 401). */
  verifySignature: (rawBody: Buffer, header: string | undefined) => void;
  /** The body as the bank's event (its schema lives with the bank's adapter), or what is wrong with it. */
  parseWebhook: (text: string) => WebhookParse;
  onOutcome?: (outcome: IngestOutcome, type: string | undefined) => void;
}

export function createWebhookIngestion(deps: IngestionDeps) {
  return async function ingest(rawBody: Buffer | undefined, signatureHeader: string | undefined): Promise<IngestOutcome> {
    if (!rawBody) throw new AppError('validation_failed', 'The webhook has no body.');
    deps.verifySignature(rawBody, signatureHeader);

    const text = rawBody.toString('utf8');
    const read = deps.parseWebhook(text);
    const parsed = 'event' in read ? read.event : undefined;
    const problem = 'problem' in read ? read.problem : undefined;

    const now = deps.clock.now();
    let outcome: IngestOutcome;
    if (!parsed) {
      const id = `malformed:${createHash('sha256').update(rawBody).digest('hex')}`;
      outcome = (await storeMalformedWebhook(deps.db, { id, receivedAt: now, type: null, rawBody: text, problem: problem! })) ? 'malformed' : 'duplicate';
    } else {
      const { data } = parsed;
      // Everything the event says but what only our payment knows (its id, declaration and owner), which the statement fills in.
      const draft: PaymentEventDraft = {
        id: deps.ids.uuid(),
        type: parsed.type,
        source: PAYMENT_EVENT_SOURCE,
        time: now.toISOString(),
        data: {
          webhookEventId: parsed.id,
          reference: data.reference,
          transactionId: data.transactionId,
          amount: data.amount,
          currency: 'XAF',
          method: data.method,
          paidAt: data.paidAt,
          ...(parsed.type === 'payment.refunded' ? { refundId: data.refundId ?? `webhook:${parsed.id}`, refundReference: data.refundReference ?? null } : {}),
        },
      };
      const stored = await storeWebhook(
        deps.db,
        {
          id: parsed.id,
          receivedAt: now,
          type: parsed.type,
          rawBody: text,
          reference: data.reference,
          transactionId: data.transactionId,
          amount: data.amount,
          currency: data.currency,
        },
        deps.ids.uuid(),
        draft,
      );
      outcome = stored.outcome;
      // BANGE waits for this answer, not for the bookkeeping of the publish: the mark joins the next batch.
      if (stored.event) await deps.publisher.publishCommitted([{ topic: 'payment-events', event: stored.event }], { awaitMark: false });
    }
    deps.onOutcome?.(outcome, parsed?.type);
    return outcome;
  };
}
