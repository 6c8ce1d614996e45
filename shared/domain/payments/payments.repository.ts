/** Parameterised SQL over payments, and the BANGE webhooks that report on them. */
import { findOne, type Queryable } from '../../ports/database.port';
import type { DomainEvent } from '../../ports/event-bus.port';
import type { PaymentStatus } from './payment-state-machine';
import type { Payment, PaymentEventData } from './payment.types';
import { LIVE_PAYMENT_STATUSES } from './payment-state-machine';

interface PaymentRow {
  id: string;
  reference: string;
  declaration_id: string;
  owner_id: string;
  amount: string;
  currency: 'XAF';
  method: Payment['method'];
  status: PaymentStatus;
  bange_payment_id: string | null;
  checkout_url: string | null;
  transaction_id: string | null;
  refunded_amount: string;
  expires_at: Date;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    reference: r.reference,
    declarationId: r.declaration_id,
    ownerId: r.owner_id,
    amount: Number(r.amount),
    currency: r.currency,
    method: r.method,
    status: r.status,
    bangePaymentId: r.bange_payment_id,
    checkoutUrl: r.checkout_url,
    transactionId: r.transaction_id,
    refundedAmount: Number(r.refunded_amount),
    expiresAt: r.expires_at,
    paidAt: r.paid_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function nextPaymentReference(db: Queryable, year: number): Promise<string> {
  const { rows } = await db.query<{ n: string }>("SELECT nextval('payment_reference_seq') AS n");
  return `PAY-${year}-${rows[0]!.n.padStart(8, '0')}`;
}

/**
 * The live statuses as an SQL list, from the one constant: the ON CONFLICT predicate must repeat the
 * partial unique index's (migrations) word for word, so it cannot be a parameter.
 */
const LIVE_STATUSES_SQL = LIVE_PAYMENT_STATUSES.map((s) => `'${s}'`).join(', ');

/** Inserts unless the declaration already has a live payment; returns false then. */
export async function insertPayment(db: Queryable, p: Payment): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO payments (id, reference, declaration_id, owner_id, amount, currency, method, status, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (declaration_id) WHERE status IN (${LIVE_STATUSES_SQL}) DO NOTHING`,
    [p.id, p.reference, p.declarationId, p.ownerId, p.amount, p.currency, p.method, p.status, p.expiresAt, p.createdAt],
  );
  return rowCount === 1;
}

export async function findPayment(db: Queryable, id: string, lock = false): Promise<Payment | undefined> {
  return findOne(db, toPayment, `SELECT * FROM payments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
}

export async function findPaymentByReference(db: Queryable, reference: string, lock = false): Promise<Payment | undefined> {
  return findOne(db, toPayment, `SELECT * FROM payments WHERE reference = $1${lock ? ' FOR UPDATE' : ''}`, [reference]);
}

export async function findLivePaymentForDeclaration(db: Queryable, declarationId: string): Promise<Payment | undefined> {
  return findOne(db, toPayment, `SELECT * FROM payments WHERE declaration_id = $1 AND status IN (${LIVE_STATUSES_SQL})`, [declarationId]);
}

export type PaymentPatch = Partial<Pick<Payment, 'status' | 'bangePaymentId' | 'checkoutUrl' | 'transactionId' | 'refundedAmount' | 'paidAt'>>;

const COLUMNS: Record<keyof PaymentPatch, string> = {
  status: 'status',
  bangePaymentId: 'bange_payment_id',
  checkoutUrl: 'checkout_url',
  transactionId: 'transaction_id',
  refundedAmount: 'refunded_amount',
  paidAt: 'paid_at',
};

export async function updatePayment(db: Queryable, id: string, patch: PaymentPatch, at: Date): Promise<Payment> {
  const entries = Object.entries(patch) as [keyof PaymentPatch, unknown][];
  const sets = entries.map(([k], i) => `${COLUMNS[k]} = $${i + 3}`);
  const { rows } = await db.query<PaymentRow>(`UPDATE payments SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING *`, [
    id,
    at,
    ...entries.map(([, v]) => v),
  ]);
  return toPayment(rows[0]!);
}

export async function findPendingPayments(db: Queryable, olderThan: Date, limit: number): Promise<Payment[]> {
  const { rows } = await db.query<PaymentRow>("SELECT * FROM payments WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at LIMIT $2", [
    olderThan,
    limit,
  ]);
  return rows.map(toPayment);
}

/** A verified, well-formed BANGE webhook, as it is stored. */
export interface ReceivedWebhook {
  id: string;
  receivedAt: Date;
  type: string;
  rawBody: string;
  reference: string;
  transactionId: string;
  amount: number;
  currency: string;
}

/** The payment-events message of an accepted webhook, but for what only the payment knows. */
export type PaymentEventDraft = Omit<DomainEvent<Omit<PaymentEventData, 'paymentId' | 'declarationId' | 'ownerId'>>, 'subject'>;

export type WebhookOutcome = 'accepted' | 'mismatch' | 'unmatched' | 'duplicate';

/*
 * One auto-committed statement (its data-modifying CTEs commit together or not at all): one round
 * trip and one WAL flush per webhook, where a transaction took six. The classification is the one
 * of mismatchOf (payment-application.ts), in SQL; webhook-ingestion.test.ts pins the two together:
 * - no payment has the reference: unmatched, anomaly unknown_reference;
 * - the currency, else the amount, differs (refund notices excepted: they carry the refunded
 *   amount): mismatch, anomaly amount_mismatch;
 * - otherwise accepted, and its payment-events message is queued in the outbox.
 * A webhook id stored already changes nothing (duplicate): the CTEs after `stored` see no row, and
 * its message is returned again if it was never published. Prepared once per connection: parsing
 * and analysing this statement on every call was most of PostgreSQL's work per webhook (in-process,
 * 32 concurrent: 1,900 -> 3,700 webhooks/s).
 */
const STORE_WEBHOOK = `
WITH w AS (
  SELECT $1::text AS id, $2::timestamptz AS received_at, $3::text AS type, $4::text AS raw_body, $5::text AS reference,
         $6::text AS transaction_id, $7::bigint AS amount, $8::text AS currency, $9::uuid AS anomaly_id, $10::jsonb AS draft
),
matched AS (
  SELECT w.*, p.id AS payment_id, p.declaration_id, p.owner_id,
         CASE WHEN p.id IS NULL THEN 'no payment has reference ' || w.reference
              WHEN w.type = 'payment.refunded' THEN NULL
              WHEN w.currency <> p.currency THEN 'bank reported currency ' || w.currency || ', expected ' || p.currency
              WHEN w.amount <> p.amount THEN 'bank reported amount ' || w.amount || ' XAF, expected ' || p.amount || ' XAF'
         END AS detail
    FROM w LEFT JOIN payments p ON p.reference = w.reference
),
classified AS (
  SELECT matched.*, CASE WHEN payment_id IS NULL THEN 'unmatched' WHEN detail IS NOT NULL THEN 'mismatch' ELSE 'accepted' END AS status FROM matched
),
stored AS (
  INSERT INTO webhook_events (id, received_at, type, raw_body, status, detail, payment_id, transaction_id, amount, currency)
  SELECT id, received_at, type, raw_body, status, detail, payment_id, transaction_id, amount, currency FROM classified
  ON CONFLICT (id) DO NOTHING
  RETURNING status
),
anomaly AS (
  INSERT INTO payment_anomalies (id, kind, payment_id, webhook_event_id, detail, detected_at)
  SELECT c.anomaly_id, CASE c.status WHEN 'mismatch' THEN 'amount_mismatch' ELSE 'unknown_reference' END, c.payment_id, c.id, c.detail, c.received_at
    FROM classified c, stored WHERE c.status <> 'accepted'
),
queued AS (
  INSERT INTO event_outbox (id, topic, event, created_at)
  SELECT (c.draft ->> 'id')::uuid, 'payment-events',
         c.draft || jsonb_build_object('subject', c.payment_id,
                                       'data', (c.draft -> 'data') || jsonb_build_object('paymentId', c.payment_id, 'declarationId', c.declaration_id, 'ownerId', c.owner_id)),
         c.received_at
    FROM classified c, stored WHERE c.status = 'accepted'
  RETURNING event
),
-- A duplicate whose message is still unpublished: the first delivery died between its commit and
-- its publish (BANGE retries because it got no 200). Publishing it now beats waiting for the sweep.
waiting AS (
  SELECT o.event FROM event_outbox o
   WHERE NOT EXISTS (SELECT 1 FROM stored) AND o.published_at IS NULL AND o.topic = 'payment-events'
     AND o.event -> 'data' ->> 'webhookEventId' = $1
   LIMIT 1
)
SELECT coalesce((SELECT status FROM stored), 'duplicate') AS outcome, coalesce((SELECT event FROM queued), (SELECT event FROM waiting)) AS event`;

/**
 * Stores the webhook under its id, classifies it against our payment, records the anomaly of one
 * that cannot be applied, and queues the payment-events message of one that can — atomically.
 * Returns the queued event (to publish after this commit), or for a duplicate its still unpublished
 * event; null otherwise.
 */
export async function storeWebhook(
  db: Queryable,
  w: ReceivedWebhook,
  anomalyId: string,
  draft: PaymentEventDraft,
): Promise<{ outcome: WebhookOutcome; event: DomainEvent<PaymentEventData> | null }> {
  const { rows } = await db.query<{ outcome: WebhookOutcome; event: DomainEvent<PaymentEventData> | null }>(
    STORE_WEBHOOK,
    [w.id, w.receivedAt, w.type, w.rawBody, w.reference, w.transactionId, w.amount, w.currency, anomalyId, JSON.stringify(draft)],
    'store_webhook',
  );
  return rows[0]!;
}

/** Stores an authentic webhook whose body is not a BANGE event, for investigation; false when stored already. */
export async function storeMalformedWebhook(
  db: Queryable,
  w: { id: string; receivedAt: Date; type: string | null; rawBody: string; problem: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    "INSERT INTO webhook_events (id, received_at, type, raw_body, status, detail) VALUES ($1, $2, $3, $4, 'malformed', $5) ON CONFLICT DO NOTHING",
    [w.id, w.receivedAt, w.type, w.rawBody, w.problem],
  );
  return rowCount === 1;
}
