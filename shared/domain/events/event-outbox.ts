/**
 * Publishing that never loses an event: events are written to event_outbox in the transaction of
 * the change that caused them, published right after commit, and whatever could not be published
 * is re-sent by the sweeper.
 */
import type { Queryable } from '../../adapters/db/database';
import type { Logger } from '../../logging/logger';
import type { Clock } from '../../ports/clock.port';
import type { DomainEvent, EventBus, Topic } from '../../ports/event-bus.port';

export interface OutboxEntry {
  topic: Topic;
  event: DomainEvent;
}

export async function enqueueEvent(tx: Queryable, entry: OutboxEntry, at: Date): Promise<void> {
  await tx.query('INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, $2, $3, $4)', [entry.event.id, entry.topic, JSON.stringify(entry.event), at]);
}

export function createOutboxPublisher(deps: { db: Queryable; bus: EventBus; clock: Clock; logger: Logger }) {
  async function publishOne(entry: OutboxEntry): Promise<boolean> {
    try {
      await deps.bus.publish(entry.topic, entry.event);
      await deps.db.query('UPDATE event_outbox SET published_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1', [entry.event.id, deps.clock.now()]);
      return true;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.logger.warning('event kept in the outbox for the sweeper', { eventId: entry.event.id, topic: entry.topic, error });
      await deps.db.query('UPDATE event_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [entry.event.id, error.slice(0, 500)]).catch(() => undefined);
      return false;
    }
  }

  return {
    /** Publishes events just committed; failures stay in the outbox and never fail the caller. */
    async publishCommitted(entries: OutboxEntry[]): Promise<void> {
      for (const entry of entries) await publishOne(entry);
    },

    /** Re-sends what is still unpublished, oldest first; returns how many were published. */
    async sweep(limit = 500): Promise<{ published: number; remaining: number }> {
      const { rows } = await deps.db.query<{ topic: Topic; event: DomainEvent }>(
        'SELECT topic, event FROM event_outbox WHERE published_at IS NULL ORDER BY created_at LIMIT $1',
        [limit],
      );
      let published = 0;
      for (const row of rows) if (await publishOne({ topic: row.topic, event: row.event })) published++;
      const { rows: left } = await deps.db.query<{ n: string }>('SELECT count(*) AS n FROM event_outbox WHERE published_at IS NULL');
      return { published, remaining: Number(left[0]!.n) };
    },
  };
}

export type OutboxPublisher = ReturnType<typeof createOutboxPublisher>;

/** Runs fn at most once per (subscription, event id): the inbox row commits with fn's changes. */
export async function handleOnce(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  subscription: string,
  eventId: string,
  at: Date,
  fn: (tx: Queryable) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query('INSERT INTO processed_events (subscription, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [subscription, eventId, at]);
    if (rowCount === 0) return false;
    await fn(tx);
    return true;
  });
}
