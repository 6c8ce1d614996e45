/** Parameterised SQL over refunds (migration 0015): submitted first, then succeeded or failed, one row per refund at BANGE. */
import { findOne, type Queryable } from '../../ports/database.port';

export type RefundStatus = 'submitted' | 'succeeded' | 'failed';

export interface Refund {
  id: string;
  paymentId: string;
  amount: number;
  reason: string;
  status: RefundStatus;
  origin: 'finance' | 'bank';
  requestedBy: string | null;
  requestKey: string | null;
  bangeRefundId: string | null;
  createdAt: Date;
  completedAt: Date | null;
  failure: string | null;
}

interface RefundRow {
  id: string;
  payment_id: string;
  amount: string;
  reason: string;
  status: RefundStatus;
  origin: 'finance' | 'bank';
  requested_by: string | null;
  request_key: string | null;
  bange_refund_id: string | null;
  created_at: Date;
  completed_at: Date | null;
  failure: string | null;
}

const toRefund = (r: RefundRow): Refund => ({
  id: r.id,
  paymentId: r.payment_id,
  amount: Number(r.amount),
  reason: r.reason,
  status: r.status,
  origin: r.origin,
  requestedBy: r.requested_by,
  requestKey: r.request_key,
  bangeRefundId: r.bange_refund_id,
  createdAt: r.created_at,
  completedAt: r.completed_at,
  failure: r.failure,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function insertSubmittedRefund(
  db: Queryable,
  r: { id: string; paymentId: string; amount: number; reason: string; requestedBy: string; requestKey: string | null; at: Date },
): Promise<void> {
  await db.query(
    "INSERT INTO refunds (id, payment_id, amount, reason, status, origin, requested_by, request_key, created_at) VALUES ($1, $2, $3, $4, 'submitted', 'finance', $5, $6, $7)",
    [r.id, r.paymentId, r.amount, r.reason, r.requestedBy, r.requestKey, r.at],
  );
}

/** A refund that started at the bank: recorded as it arrives, succeeded. */
export async function insertBankRefund(db: Queryable, r: { id: string; paymentId: string; amount: number; bangeRefundId: string; at: Date }): Promise<void> {
  await db.query(
    "INSERT INTO refunds (id, payment_id, amount, reason, status, origin, requested_by, bange_refund_id, created_at, completed_at) VALUES ($1, $2, $3, 'refunded at BANGE', 'succeeded', 'bank', NULL, $4, $5, $5)",
    [r.id, r.paymentId, r.amount, r.bangeRefundId, r.at],
  );
}

export async function findRefund(db: Queryable, id: string, lock = false): Promise<Refund | undefined> {
  if (!UUID.test(id)) return undefined;
  return findOne(db, toRefund, `SELECT * FROM refunds WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
}

export async function findRefundByBangeId(db: Queryable, bangeRefundId: string, lock = false): Promise<Refund | undefined> {
  return findOne(db, toRefund, `SELECT * FROM refunds WHERE bange_refund_id = $1${lock ? ' FOR UPDATE' : ''}`, [bangeRefundId]);
}

export async function findRefundByRequest(db: Queryable, requestedBy: string, requestKey: string): Promise<Refund | undefined> {
  return findOne(db, toRefund, 'SELECT * FROM refunds WHERE requested_by = $1 AND request_key = $2', [requestedBy, requestKey]);
}

/** XAF asked of BANGE and not yet answered for: held back from what can still be refunded. */
export async function submittedAmount(db: Queryable, paymentId: string): Promise<number> {
  const { rows } = await db.query<{ total: string }>("SELECT coalesce(sum(amount), 0) AS total FROM refunds WHERE payment_id = $1 AND status = 'submitted'", [
    paymentId,
  ]);
  return Number(rows[0]!.total);
}

/** The bank says the refund went through (also after we recorded it failed: the bank is the truth about money). */
export async function markRefundSucceeded(db: Queryable, id: string, bangeRefundId: string, at: Date): Promise<void> {
  await db.query("UPDATE refunds SET status = 'succeeded', bange_refund_id = $2, completed_at = $3, failure = NULL WHERE id = $1 AND status <> 'succeeded'", [
    id,
    bangeRefundId,
    at,
  ]);
}

export async function markRefundFailed(db: Queryable, id: string, failure: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query("UPDATE refunds SET status = 'failed', failure = $2, completed_at = $3 WHERE id = $1 AND status = 'submitted'", [
    id,
    failure,
    at,
  ]);
  return rowCount === 1;
}

/** Refunds left submitted since before `olderThan`, with the BANGE payment they refund, oldest first. */
export async function findStaleSubmittedRefunds(db: Queryable, olderThan: Date, limit: number): Promise<(Refund & { bangePaymentId: string })[]> {
  const { rows } = await db.query<RefundRow & { bange_payment_id: string }>(
    `SELECT r.*, p.bange_payment_id FROM refunds r JOIN payments p ON p.id = r.payment_id
      WHERE r.status = 'submitted' AND r.created_at <= $1 ORDER BY r.created_at LIMIT $2`,
    [olderThan, limit],
  );
  return rows.map((r) => ({ ...toRefund(r), bangePaymentId: r.bange_payment_id }));
}
