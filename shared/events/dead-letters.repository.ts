/** The dead_letters table: what could not be delivered after the last attempt, listed and replayed by the admin function. */
import type { Queryable } from '../ports/database.port';
import type { DomainEvent } from '../ports/event-bus.port';
import type { IdGenerator } from '../ports/ids.port';

export interface DeadLetterRecord {
  subscription: string;
  topic: string;
  event: DomainEvent;
  error: string;
  attempts: number;
  deadAt: Date;
  /** Pub/Sub's id of the dead-lettered copy: a second push of it records nothing. Absent on the in-process bus. */
  messageId?: string;
}

const MAX_ERROR_LENGTH = 2000;

/** Records a dead letter; true when it is new (false: that Pub/Sub message was recorded already). */
export async function recordDeadLetter(db: Queryable, ids: IdGenerator, dead: DeadLetterRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO dead_letters (id, subscription, topic, event, error, attempts, dead_at, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (message_id) DO NOTHING`,
    [
      ids.uuid(),
      dead.subscription,
      dead.topic,
      JSON.stringify(dead.event),
      dead.error.slice(0, MAX_ERROR_LENGTH),
      dead.attempts,
      dead.deadAt,
      dead.messageId ?? null,
    ],
  );
  return rowCount === 1;
}
