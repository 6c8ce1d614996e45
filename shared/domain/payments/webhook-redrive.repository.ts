/** The SQL of the webhook re-drive: accepted webhooks whose payment-events message apply-payment never took. */
import type { Queryable } from '../../ports/database.port';
import type { DomainEvent, Topic } from '../../ports/event-bus.port';

/**
 * Accepted webhooks received in [since, before) whose message was marked published but which the
 * apply-payment inbox never recorded and no dead letter holds: the message was lost between the bus
 * and its consumer (an instance that died holding it in memory). Their outbox rows are set back to
 * unpublished, under row locks (SKIP LOCKED: two runs never take the same row), and returned to be
 * published again under the same event id, which apply-payment's inbox de-duplicates.
 */
export async function takeStrandedWebhookEvents(db: Queryable, since: Date, before: Date, limit: number): Promise<{ topic: Topic; event: DomainEvent }[]> {
  const { rows } = await db.query<{ topic: Topic; event: DomainEvent }>(
    `WITH stranded AS (
       SELECT o.id
         FROM webhook_events w
         JOIN event_outbox o ON o.topic = 'payment-events' AND o.event -> 'data' ->> 'webhookEventId' = w.id
        WHERE w.status = 'accepted' AND w.received_at >= $1 AND w.received_at < $2
          AND o.published_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.subscription = 'apply-payment' AND p.event_id = o.id::text)
          AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.subscription = 'apply-payment' AND d.event ->> 'id' = o.id::text)
        ORDER BY w.received_at
        LIMIT $3
        FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE event_outbox o SET published_at = NULL, last_error = 'accepted webhook never applied: published again'
       FROM stranded s WHERE o.id = s.id
     RETURNING o.topic, o.event`,
    [since, before, limit],
  );
  return rows;
}
