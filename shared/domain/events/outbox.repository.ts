/** The event_outbox rows a change writes in its own transaction; shared/events publishes and sweeps them. */
import type { Queryable } from '../../ports/database.port';
import type { OutboxEntry } from '../../ports/outbox.port';

export async function enqueueEvent(tx: Queryable, entry: OutboxEntry, at: Date): Promise<void> {
  await tx.query('INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, $2, $3, $4)', [entry.event.id, entry.topic, JSON.stringify(entry.event), at]);
}
