/** The event_outbox rows a change writes in its own transaction; shared/events publishes and sweeps them. */
import type { Queryable } from '../../ports/database.port';
import type { OutboxEntry } from '../../ports/outbox.port';

export async function enqueueEvent(tx: Queryable, entry: OutboxEntry, at: Date): Promise<void> {
  await tx.query('INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, $2, $3, $4)', [entry.event.id, entry.topic, JSON.stringify(entry.event), at], 'event_outbox_enqueue');
}

/** Writes several events of one transaction to the outbox in one statement. */
export async function enqueueEvents(tx: Queryable, entries: readonly OutboxEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length === 1) return enqueueEvent(tx, entries[0]!, at);
  await tx.query(
    'INSERT INTO event_outbox (id, topic, event, created_at) SELECT id, topic, event, $4 FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS e (id, topic, event)',
    [entries.map((e) => e.event.id), entries.map((e) => e.topic), entries.map((e) => JSON.stringify(e.event)), at],
    'event_outbox_enqueue_many',
  );
}
