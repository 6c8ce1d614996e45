/** The event_outbox rows a change writes in its own transaction; shared/events publishes and sweeps them. */
import type { Queryable } from '../../ports/database.port';
import type { OutboxEntry } from '../../ports/outbox.port';

export async function enqueueEvent(tx: Queryable, entry: OutboxEntry, at: Date): Promise<void> {
  await tx.query(
    'INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, $2, $3, $4)',
    [entry.event.id, entry.topic, JSON.stringify(entry.event), at],
    'event_outbox_enqueue',
  );
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

/** Puts an event back into the outbox under its own id (consumers that did handle it still de-duplicate), unpublished. */
export async function requeueEvent(tx: Queryable, entry: OutboxEntry, at: Date): Promise<void> {
  await tx.query(
    `INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET published_at = NULL, last_error = NULL`,
    [entry.event.id, entry.topic, JSON.stringify(entry.event), at],
  );
}

/** Marks published the rows still unpublished: an event published twice (by its caller and by the sweeper) counts one attempt. */
export async function markPublished(db: Queryable, ids: readonly string[], at: Date): Promise<void> {
  await db.query(
    'UPDATE event_outbox SET published_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
    [ids, at],
    'event_outbox_mark_published',
  );
}

export async function recordPublishFailure(db: Queryable, id: string, error: string): Promise<void> {
  await db.query('UPDATE event_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [id, error.slice(0, 500)]);
}

/** The oldest unpublished events, but those in `except`. */
export async function findUnpublished(db: Queryable, limit: number, except: readonly string[]): Promise<OutboxEntry[]> {
  const { rows } = await db.query<OutboxEntry>(
    'SELECT topic, event FROM event_outbox WHERE published_at IS NULL AND NOT (id = ANY($2::uuid[])) ORDER BY created_at LIMIT $1',
    [limit, except],
  );
  return rows.map((r) => ({ topic: r.topic, event: r.event }));
}

export async function countUnpublished(db: Queryable, except: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM event_outbox WHERE published_at IS NULL AND NOT (id = ANY($1::uuid[]))', [except]);
  return Number(rows[0]!.n);
}
