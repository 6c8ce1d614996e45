/** What reconciliation reads of a day: the webhooks that moved money, and the ledger's journals. */
import type { Queryable } from '../../ports/database.port';

export interface WebhookSighting {
  type: string;
  id: string;
  amount: string;
  received_at: Date;
  reference: string | null;
}

export interface JournalSighting {
  kind: 'payment' | 'refund';
  external_ref: string;
  amount: string;
  booked_at: Date;
  reference: string;
}

/** Payments and refunds BANGE told us of in [from, to), keyed as the bank's statement keys them. */
export async function findWebhookSightings(db: Queryable, from: Date, to: Date): Promise<WebhookSighting[]> {
  const { rows } = await db.query<WebhookSighting>(
    `SELECT w.type,
            CASE WHEN w.type = 'payment.refunded' THEN coalesce(w.raw_body::jsonb -> 'data' ->> 'refundId', 'webhook:' || w.id) ELSE w.transaction_id END AS id,
            w.amount, w.received_at, p.reference
       FROM webhook_events w LEFT JOIN payments p ON p.id = w.payment_id
      WHERE w.type IN ('payment.succeeded', 'payment.refunded') AND w.transaction_id IS NOT NULL AND w.received_at >= $1 AND w.received_at < $2
      ORDER BY w.received_at`,
    [from, to],
  );
  return rows;
}

/** The journals booked in [from, to), with the amount that left or reached the bank. */
export async function findJournalSightings(db: Queryable, from: Date, to: Date): Promise<JournalSighting[]> {
  const { rows } = await db.query<JournalSighting>(
    `SELECT j.kind, j.external_ref, e.debit AS amount, j.booked_at, p.reference
       FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id AND e.debit > 0 JOIN payments p ON p.id = j.payment_id
      WHERE j.booked_at >= $1 AND j.booked_at < $2`,
    [from, to],
  );
  return rows;
}
