/**
 * Second chances for events that did not go through: dead-lettered deliveries are re-published to
 * their topic, and stored webhooks that could not be applied (unknown reference, mismatch) are
 * resolved again — after finance or an admin fixed what was wrong. Consumers are idempotent, so a
 * replay never applies money twice.
 */
import { numberOrNull, type Database } from '../../ports/database.port';
import { AppError, NotFoundError } from '../../errors/app-error';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { AuditLog } from '../audit/audit-log';
import { enqueueEvent } from '../events/outbox.repository';
import type { OutboxEntry, OutboxPublisher } from '../../ports/outbox.port';
import { mismatchOf } from './payment-application';
import type { PaymentEventData } from './payment.types';
import { findPaymentByReference } from './payments.repository';
import { PAYMENT_EVENT_SOURCE } from './webhook-ingestion';
import { requeueEvent } from '../events/outbox.repository';
import { findDeadLetters, findWebhookEvents, lockDeadLetter, lockWebhookEvent, markDeadLetterReplayed, markWebhookAccepted } from './replay.repository';

export interface DeadLetterView {
  id: string;
  subscription: string;
  topic: string;
  eventId: string;
  type: string;
  error: string;
  attempts: number;
  deadAt: string;
  replayedAt: string | null;
}

export interface WebhookView {
  id: string;
  receivedAt: string;
  type: string | null;
  status: string;
  detail: string | null;
  transactionId: string | null;
  amount: number | null;
  replayedAt: string | null;
}

/** Who asked for a replay, for the audit log: an admin through the API, or the command line. */
export interface ReplayActor {
  actorId: string | null;
  ip?: string | null;
  via: 'api' | 'cli';
}

export function createReplayService(deps: { db: Database; clock: Clock; ids: IdGenerator; publisher: OutboxPublisher; audit: AuditLog }) {
  const { db, clock, ids, publisher, audit } = deps;

  return {
    async listDeadLetters(openOnly: boolean, limit: number): Promise<DeadLetterView[]> {
      return (await findDeadLetters(db, openOnly, limit)).map((r) => ({
        id: r.id,
        subscription: r.subscription,
        topic: r.topic,
        eventId: r.event.id,
        type: r.event.type,
        error: r.error,
        attempts: r.attempts,
        deadAt: r.dead_at.toISOString(),
        replayedAt: r.replayed_at?.toISOString() ?? null,
      }));
    },

    /** Publishes the dead-lettered event again; every subscription of its topic sees it (idempotently). */
    async replayDeadLetter(id: string, actor: ReplayActor): Promise<void> {
      const entry = await db.transaction(async (tx) => {
        const row = await lockDeadLetter(tx, id);
        if (!row) throw new NotFoundError(`No dead letter ${id}.`);
        if (row.replayed_at) throw new AppError('already_replayed', `Dead letter ${id} was already replayed at ${row.replayed_at.toISOString()}.`);
        await markDeadLetterReplayed(tx, id, clock.now());
        await audit.record(tx, {
          action: 'dead_letter.replayed',
          actorId: actor.actorId,
          target: `dead_letter:${id}`,
          ip: actor.ip ?? null,
          details: { subscription: row.subscription, topic: row.topic, eventId: row.event.id, type: row.event.type, via: actor.via },
        });
        // Back into the outbox under its own id, so consumers that did handle it still de-duplicate.
        await requeueEvent(tx, { topic: row.topic, event: row.event }, clock.now());
        return { topic: row.topic, event: row.event } satisfies OutboxEntry;
      });
      await publisher.publishCommitted([entry]);
    },

    async listWebhooks(status: 'failed' | 'all', limit: number): Promise<WebhookView[]> {
      return (await findWebhookEvents(db, status, limit)).map((r) => ({
        id: r.id,
        receivedAt: r.received_at.toISOString(),
        type: r.type,
        status: r.status,
        detail: r.detail,
        transactionId: r.transaction_id,
        amount: numberOrNull(r.amount),
        replayedAt: r.replayed_at?.toISOString() ?? null,
      }));
    },

    /** Resolves a stored webhook again; publishes it when it now matches a payment exactly. */
    async replayWebhook(id: string, actor: ReplayActor): Promise<'accepted' | 'still_unmatched' | 'still_mismatch' | 'malformed'> {
      const entries: OutboxEntry[] = [];
      const outcome = await db.transaction(async (tx) => {
        const row = await lockWebhookEvent(tx, id);
        if (!row) throw new NotFoundError(`No webhook event ${id}.`);
        if (row.status === 'accepted') throw new AppError('webhook_already_accepted', `Webhook ${id} was accepted already; replay its dead letters instead.`);
        let body: { type: string; data: { transactionId: string; reference: string; amount: number; currency: string; method: string; paidAt: string | null } };
        try {
          body = JSON.parse(row.raw_body);
          if (!body?.data?.reference) return 'malformed' as const;
        } catch {
          return 'malformed' as const;
        }
        const payment = await findPaymentByReference(tx, body.data.reference);
        if (!payment) return 'still_unmatched' as const;
        if (body.type !== 'payment.refunded' && mismatchOf(payment, body.data)) return 'still_mismatch' as const;
        const now = clock.now();
        await markWebhookAccepted(tx, id, payment.id, now);
        const data: PaymentEventData = {
          webhookEventId: id,
          paymentId: payment.id,
          declarationId: payment.declarationId,
          ownerId: payment.ownerId,
          reference: payment.reference,
          transactionId: body.data.transactionId,
          amount: body.data.amount,
          currency: 'XAF',
          method: body.data.method,
          paidAt: body.data.paidAt,
        };
        const entry: OutboxEntry = {
          topic: 'payment-events',
          event: { id: ids.uuid(), type: body.type, source: PAYMENT_EVENT_SOURCE, subject: payment.id, time: now.toISOString(), data },
        };
        await enqueueEvent(tx, entry, now);
        await audit.record(tx, {
          action: 'webhook.replayed',
          actorId: actor.actorId,
          target: `webhook:${id}`,
          ip: actor.ip ?? null,
          details: { paymentId: payment.id, type: body.type, via: actor.via },
        });
        entries.push(entry);
        return 'accepted' as const;
      });
      await publisher.publishCommitted(entries);
      return outcome;
    },
  };
}

export type ReplayService = ReturnType<typeof createReplayService>;
