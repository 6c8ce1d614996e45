/** The record of every delivery attempt, which is also how a redelivered event knows what was already sent. */
import type { Queryable } from '../../ports/database.port';
import type { Language } from '../../ports/language';
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
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('notification-deliveries:' || $1, 0))", [eventId], 'notification_deliveries_lock');
}

/**
 * Claims the channels of an event that are neither settled nor being sent by a live claim, until
 * `until`; answers those claimed now and those another delivery is still sending. Call under
 * lockEventDeliveries.
 */
export async function claimChannels(
  tx: Queryable,
  eventId: string,
  channels: readonly Channel[],
  now: Date,
  until: Date,
): Promise<{ claimed: Channel[]; busy: Channel[] }> {
  // Each channel's state and the claim of the free ones in one statement (one round trip): under the
  // event's lock nothing else changes these rows between the read and the write.
  const { rows } = await tx.query<{ channel: Channel; state: 'settled' | 'busy' | null }>(
    `WITH state AS (
       SELECT c.channel,
              CASE WHEN EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.event_id = $1 AND d.channel = c.channel AND d.final) THEN 'settled'
                   WHEN EXISTS (SELECT 1 FROM notification_claims k WHERE k.event_id = $1 AND k.channel = c.channel AND k.claimed_until > $2) THEN 'busy'
              END AS state
         FROM unnest($3::text[]) AS c(channel)
     ),
     claimed AS (
       INSERT INTO notification_claims (event_id, channel, claimed_until) SELECT $1, channel, $4 FROM state WHERE state IS NULL
       ON CONFLICT (event_id, channel) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
     )
     SELECT channel, state FROM state`,
    [eventId, now, channels, until],
    'notification_channels_claim_free',
  );
  return { claimed: rows.filter((r) => r.state === null).map((r) => r.channel), busy: rows.filter((r) => r.state === 'busy').map((r) => r.channel) };
}

export async function releaseClaims(q: Queryable, eventId: string, channels: readonly Channel[]): Promise<void> {
  await q.query('DELETE FROM notification_claims WHERE event_id = $1 AND channel = ANY($2::text[])', [eventId, channels]);
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

/**
 * Records the attempts of one delivery of an event and frees its claims, in one statement (atomic
 * without a transaction of its own): one round trip where each channel was one, plus the release.
 */
export async function recordDeliveriesAndRelease(
  q: Queryable,
  eventId: string,
  records: readonly DeliveryRecord[],
  claimed: readonly Channel[],
): Promise<void> {
  const column = <K extends keyof DeliveryRecord>(k: K) => records.map((r) => r[k]);
  await q.query(
    `WITH released AS (DELETE FROM notification_claims WHERE event_id = $1 AND channel = ANY($2::text[]))
     INSERT INTO notification_deliveries (id, event_id, event_type, user_id, channel, template, locale, attempt, outcome, final, error, at)
     SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::boolean[], $13::text[], $14::timestamptz[])
     ON CONFLICT (event_id, channel) WHERE final DO NOTHING`,
    [
      eventId,
      claimed,
      column('id'),
      column('eventId'),
      column('eventType'),
      column('userId'),
      column('channel'),
      column('template'),
      column('locale'),
      column('attempt'),
      column('outcome'),
      column('final'),
      column('error'),
      column('at'),
    ],
    'notification_deliveries_record',
  );
}
