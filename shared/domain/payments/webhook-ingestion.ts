/**
 * BANGE webhook ingestion: verify the signature over the raw bytes, store the event under its id
 * (a duplicate changes nothing), resolve it to our payment, and publish it on payment-events
 * through the outbox in the same transaction — answered as soon as that commits.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../../adapters/db/database';
import { AppError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import { enqueueEvent, type OutboxEntry, type OutboxPublisher } from '../events/event-outbox';
import { mismatchOf, recordAnomaly } from './payment-application';
import type { PaymentEventData } from './payment.types';
import { findPaymentByReference } from './payments.repository';

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
  }),
});

export type IngestOutcome = 'accepted' | 'duplicate' | 'mismatch' | 'unmatched' | 'malformed';

export interface IngestionDeps {
  db: Database;
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
    const events: OutboxEntry[] = [];
    const outcome = await deps.db.transaction(async (tx): Promise<IngestOutcome> => {
      const id = parsed?.id ?? `malformed:${createHash('sha256').update(rawBody).digest('hex')}`;
      const base = [id, now, parsed?.type ?? null, text];
      if (!parsed) {
        const stored = await tx.query("INSERT INTO webhook_events (id, received_at, type, raw_body, status, detail) VALUES ($1, $2, $3, $4, 'malformed', $5) ON CONFLICT DO NOTHING", [...base, problem]);
        return stored.rowCount === 0 ? 'duplicate' : 'malformed';
      }
      const { data } = parsed;
      const payment = await findPaymentByReference(tx, data.reference);
      const mismatch = payment ? mismatchOf(payment, data) : undefined;
      // Refund notices carry the refunded amount, not the payment's.
      const status = !payment ? 'unmatched' : mismatch && parsed.type !== 'payment.refunded' ? 'mismatch' : 'accepted';
      const detail = !payment ? `no payment has reference ${data.reference}` : status === 'mismatch' ? `bank reported ${mismatch}` : null;
      const stored = await tx.query(
        `INSERT INTO webhook_events (id, received_at, type, raw_body, status, detail, payment_id, transaction_id, amount, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
        [...base, status, detail, payment?.id ?? null, data.transactionId, data.amount, data.currency],
      );
      if (stored.rowCount === 0) return 'duplicate';
      if (status !== 'accepted') {
        await recordAnomaly(tx, deps.ids, now, { kind: status === 'mismatch' ? 'amount_mismatch' : 'unknown_reference', paymentId: payment?.id ?? null, webhookEventId: id, detail: detail! });
        return status;
      }
      const eventData: PaymentEventData = {
        webhookEventId: id,
        paymentId: payment!.id,
        declarationId: payment!.declarationId,
        ownerId: payment!.ownerId,
        reference: data.reference,
        transactionId: data.transactionId,
        amount: data.amount,
        currency: 'XAF',
        method: data.method,
        paidAt: data.paidAt,
      };
      const entry: OutboxEntry = { topic: 'payment-events', event: { id: deps.ids.uuid(), type: parsed.type, source: PAYMENT_EVENT_SOURCE, subject: payment!.id, time: now.toISOString(), data: eventData } };
      await enqueueEvent(tx, entry, now);
      events.push(entry);
      return 'accepted';
    });
    await deps.publisher.publishCommitted(events);
    deps.onOutcome?.(outcome, parsed?.type);
    return outcome;
  };
}
