/**
 * BANGE webhook ingestion: verify the signature over the raw bytes, then in one auto-committed
 * statement store the event under its id (a duplicate changes nothing), resolve it to our payment,
 * and queue it on payment-events through the outbox; published and answered as soon as that commits.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../ports/database.port';
import { AppError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { OutboxPublisher } from '../../ports/outbox.port';
import { storeMalformedWebhook, storeWebhook, type PaymentEventDraft } from './payments.repository';

export const PAYMENT_EVENT_SOURCE = '/taxasge/webhooks/bange';

const WebhookBody = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['payment.succeeded', 'payment.failed', 'payment.refunded']),
  createdAt: z.string().min(1),
  data: z.object({
    transactionId: z.string().min(1).max(200),
    reference: z.string().min(1).max(200),
    amount: z.number().int().nonnegative(),
    currency: z.string().min(1).max(10),
    method: z.string().max(50),
    paidAt: z.string().nullable(),
    refundId: z.string().min(1).max(200).optional(),
    refundReference: z.string().max(200).nullable().optional(),
  }),
});

export type IngestOutcome = 'accepted' | 'duplicate' | 'mismatch' | 'unmatched' | 'malformed';

export interface IngestionDeps {
  /** One statement per webhook, auto-committed: no transaction (nor pinned connection) is needed. */
  db: Queryable;
  clock: Clock;
  ids: IdGenerator;
  publisher: OutboxPublisher;
  /** Throws when the signature is not valid (the caller answers 401). */
  verifySignature: (rawBody: Buffer, header: string | undefined) => void;
  onOutcome?: (outcome: IngestOutcome, type: string | undefined) => void;
}

export function createWebhookIngestion(deps: IngestionDeps) {
  return async function ingest(rawBody: Buffer | undefined, signatureHeader: string | undefined): Promise<IngestOutcome> {
    if (!rawBody) throw new AppError('validation_failed', 'The webhook has no body.');
    deps.verifySignature(rawBody, signatureHeader);

    const text = rawBody.toString('utf8');
    let parsed: z.infer<typeof WebhookBody> | undefined;
    let problem: string | undefined;
    try {
      const result = WebhookBody.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
      else problem = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    } catch {
      problem = 'body is not JSON';
    }

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
        { id: parsed.id, receivedAt: now, type: parsed.type, rawBody: text, reference: data.reference, transactionId: data.transactionId, amount: data.amount, currency: data.currency },
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
