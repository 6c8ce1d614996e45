/** The processed_events inbox: a consumer's changes commit with the record that it handled the event. */
import type { Queryable } from '../../ports/database.port';

/** Runs fn at most once per (subscription, event id): the inbox row commits with fn's changes. */
export async function handleOnce(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  subscription: string,
  eventId: string,
  at: Date,
  fn: (tx: Queryable) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      'INSERT INTO processed_events (subscription, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [subscription, eventId, at],
      'processed_events_claim',
    );
    if (rowCount === 0) return false;
    await fn(tx);
    return true;
  });
}
