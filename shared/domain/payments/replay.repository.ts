/** What an admin replays: dead letters and stored webhooks, listed, locked for the replay, and marked. */
import type { Queryable } from '../../ports/database.port';
import type { DomainEvent, Topic } from '../../ports/event-bus.port';

export interface DeadLetterRow {
  id: string;
  subscription: string;
  topic: Topic;
  event: DomainEvent;
  error: string;
  attempts: number;
  dead_at: Date;
  replayed_at: Date | null;
}

export async function findDeadLetters(db: Queryable, openOnly: boolean, limit: number): Promise<DeadLetterRow[]> {
  const { rows } = await db.query<DeadLetterRow>(`SELECT * FROM dead_letters WHERE NOT $1 OR replayed_at IS NULL ORDER BY dead_at DESC LIMIT $2`, [
    openOnly,
    limit,
  ]);
  return rows;
}

/** The dead letter, locked until the caller's transaction ends. */
export async function lockDeadLetter(tx: Queryable, id: string): Promise<Pick<DeadLetterRow, 'topic' | 'event' | 'replayed_at' | 'subscription'> | undefined> {
  const { rows } = await tx.query<Pick<DeadLetterRow, 'topic' | 'event' | 'replayed_at' | 'subscription'>>(
    'SELECT topic, event, replayed_at, subscription FROM dead_letters WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

export async function markDeadLetterReplayed(tx: Queryable, id: string, at: Date): Promise<void> {
  await tx.query('UPDATE dead_letters SET replayed_at = $2 WHERE id = $1', [id, at]);
}

export interface WebhookEventRow {
  id: string;
  received_at: Date;
  type: string | null;
  status: string;
  detail: string | null;
  transaction_id: string | null;
  amount: string | null;
  replayed_at: Date | null;
}

/** Newest first: all of them, or those not accepted. */
export async function findWebhookEvents(db: Queryable, status: 'failed' | 'all', limit: number): Promise<WebhookEventRow[]> {
  const { rows } = await db.query<WebhookEventRow>(
    `SELECT id, received_at, type, status, detail, transaction_id, amount, replayed_at FROM webhook_events WHERE $1 = 'all' OR status <> 'accepted' ORDER BY received_at DESC LIMIT $2`,
    [status, limit],
  );
  return rows;
}

/** The stored webhook's body and status, locked until the caller's transaction ends. */
export async function lockWebhookEvent(tx: Queryable, id: string): Promise<{ raw_body: string; status: string } | undefined> {
  const { rows } = await tx.query<{ raw_body: string; status: string }>('SELECT raw_body, status FROM webhook_events WHERE id = $1 FOR UPDATE', [id]);
  return rows[0];
}

export async function markWebhookAccepted(tx: Queryable, id: string, paymentId: string, at: Date): Promise<void> {
  await tx.query("UPDATE webhook_events SET status = 'accepted', payment_id = $2, replayed_at = $3 WHERE id = $1", [id, paymentId, at]);
}
