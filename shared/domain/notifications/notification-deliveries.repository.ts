/** The record of every delivery attempt, which is also how a redelivered event knows what was already sent. */
import type { Queryable } from '../../adapters/db/database';
import type { Language } from '../catalog/catalog.types';
import type { Channel } from './notification-rules';

export type DeliveryOutcome = 'sent' | 'failed' | 'skipped';

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  userId: string;
  channel: Channel;
  template: string;
  locale: Language | null;
  attempt: number;
  outcome: DeliveryOutcome;
  /** Settled: later deliveries of the event leave this channel alone. */
  final: boolean;
  error: string | null;
  at: Date;
}

/**
 * Serialises the deliveries of one event until the transaction ends: Pub/Sub may hand the same
 * event to two instances at once, and the second must see what the first sent.
 */
export async function lockEventDeliveries(tx: Queryable, eventId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('notification-deliveries:' || $1, 0))", [eventId]);
}

export async function findSettledChannels(q: Queryable, eventId: string): Promise<Set<Channel>> {
  const { rows } = await q.query<{ channel: Channel }>('SELECT channel FROM notification_deliveries WHERE event_id = $1 AND final', [eventId]);
  return new Set(rows.map((r) => r.channel));
}

export async function recordDelivery(q: Queryable, r: DeliveryRecord): Promise<void> {
  // The unique index on settled rows is the last guard; under the event lock a conflict cannot happen.
  await q.query(
    `INSERT INTO notification_deliveries (id, event_id, event_type, user_id, channel, template, locale, attempt, outcome, final, error, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (event_id, channel) WHERE final DO NOTHING`,
    [r.id, r.eventId, r.eventType, r.userId, r.channel, r.template, r.locale, r.attempt, r.outcome, r.final, r.error, r.at],
  );
}
