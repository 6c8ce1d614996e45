/** Parameterised SQL over payments. */
import type { Queryable } from '../../adapters/db/database';
import type { PaymentStatus } from './payment-state-machine';
import type { Payment } from './payment.types';

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

/** Inserts unless the declaration already has a live payment; returns false then. */
export async function insertPayment(db: Queryable, p: Payment): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO payments (id, reference, declaration_id, owner_id, amount, currency, method, status, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (declaration_id) WHERE status IN ('pending', 'succeeded', 'partially_refunded', 'refunded') DO NOTHING`,
    [p.id, p.reference, p.declarationId, p.ownerId, p.amount, p.currency, p.method, p.status, p.expiresAt, p.createdAt],
  );
  return rowCount === 1;
}

export async function findPayment(db: Queryable, id: string, lock = false): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT * FROM payments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toPayment(rows[0]) : undefined;
}

export async function findPaymentByReference(db: Queryable, reference: string, lock = false): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT * FROM payments WHERE reference = $1${lock ? ' FOR UPDATE' : ''}`, [reference]);
  return rows[0] ? toPayment(rows[0]) : undefined;
}

export async function findLivePaymentForDeclaration(db: Queryable, declarationId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    "SELECT * FROM payments WHERE declaration_id = $1 AND status IN ('pending', 'succeeded', 'partially_refunded', 'refunded')",
    [declarationId],
  );
  return rows[0] ? toPayment(rows[0]) : undefined;
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
  const { rows } = await db.query<PaymentRow>(`UPDATE payments SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING *`, [id, at, ...entries.map(([, v]) => v)]);
  return toPayment(rows[0]!);
}

export async function findPendingPayments(db: Queryable, olderThan: Date, limit: number): Promise<Payment[]> {
  const { rows } = await db.query<PaymentRow>("SELECT * FROM payments WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at LIMIT $2", [olderThan, limit]);
  return rows.map(toPayment);
}
