/** The receipts table and the receipt number sequence. */
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';
import type { ReceiptClaims } from './receipt.types';

/** What a receipt says about its payment, read with the receipt's number in one statement. */
export interface ReceiptFacts {
  number: string;
  paymentId: string;
  paymentReference: string;
  ownerId: string;
  taxpayer: { name: string; taxId: string | null };
  declaration: ReceiptClaims['declaration'];
}

/**
 * The payment, its declaration, the payer and the service name, and the next receipt number, in
 * one round trip (the receipt is on every payment's path: five statements were one each).
 */
export async function readReceiptFacts(tx: Queryable, paymentId: string, year: number): Promise<ReceiptFacts | undefined> {
  const { rows } = await tx.query<{
    n: string;
    payment_id: string;
    payment_reference: string;
    owner_id: string;
    full_name: string | null;
    tax_id: string | null;
    declaration_id: string;
    declaration_reference: string;
    kind: string;
    service_code: string | null;
    service_name: string | null;
    tax_type: string | null;
    period: string | null;
  }>(
    `SELECT nextval('receipt_number_seq') AS n, p.id AS payment_id, p.reference AS payment_reference, p.owner_id, u.full_name, u.tax_id,
            d.id AS declaration_id, d.reference AS declaration_reference, d.kind, d.service_code, s.name_es AS service_name, d.tax_type, d.period
       FROM payments p JOIN declarations d ON d.id = p.declaration_id
       LEFT JOIN users u ON u.id = p.owner_id LEFT JOIN fiscal_services s ON s.code = d.service_code
      WHERE p.id = $1`,
    [paymentId],
    'receipt_facts',
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    number: `REC-${year}-${r.n.padStart(8, '0')}`,
    paymentId: r.payment_id,
    paymentReference: r.payment_reference,
    ownerId: r.owner_id,
    taxpayer: { name: r.full_name ?? '', taxId: r.tax_id ?? null },
    declaration: {
      id: r.declaration_id,
      reference: r.declaration_reference,
      kind: r.kind,
      service: r.service_code ? { code: r.service_code, name: r.service_name ?? '' } : null,
      taxReturn: r.tax_type ? { type: r.tax_type, period: r.period! } : null,
    },
  };
}

export async function nextReceiptNumber(db: Queryable, year: number): Promise<string> {
  const { rows } = await db.query<{ n: string }>("SELECT nextval('receipt_number_seq') AS n");
  return `REC-${year}-${rows[0]!.n.padStart(8, '0')}`;
}

export interface StoredReceipt {
  id: string;
  number: string;
  paymentId: string;
  declarationId: string;
  token: string;
  issuedAt: Date;
  /** Set once the receipt's money went back (refunded): verification then says voided. */
  voidedAt?: Date | null;
}

/** Stores the receipt unless the payment already has one; returns the one that is stored. */
export async function storeReceipt(tx: Queryable, ids: IdGenerator, r: Omit<StoredReceipt, 'id'>): Promise<StoredReceipt> {
  const id = ids.uuid();
  const { rowCount } = await tx.query(
    'INSERT INTO receipts (id, number, payment_id, declaration_id, token, issued_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (payment_id) DO NOTHING',
    [id, r.number, r.paymentId, r.declarationId, r.token, r.issuedAt],
    'receipt_store',
  );
  // Stored now: it is what was given (a read back would only repeat it); else the payment had its receipt already.
  if (rowCount === 1) return { id, ...r, voidedAt: null };
  return (await findReceiptByPayment(tx, r.paymentId))!;
}

/** Voids the payment's receipt (its money went back); a receipt voided already keeps its first date. */
export async function voidReceipt(tx: Queryable, paymentId: string, reason: 'refunded', at: Date): Promise<void> {
  await tx.query('UPDATE receipts SET voided_at = $2, void_reason = $3 WHERE payment_id = $1 AND voided_at IS NULL', [paymentId, at, reason]);
}

export async function findReceiptByPayment(db: Queryable, paymentId: string): Promise<StoredReceipt | undefined> {
  const { rows } = await db.query<{
    id: string;
    number: string;
    payment_id: string;
    declaration_id: string;
    token: string;
    issued_at: Date;
    voided_at: Date | null;
  }>('SELECT * FROM receipts WHERE payment_id = $1', [paymentId]);
  const r = rows[0];
  return r
    ? { id: r.id, number: r.number, paymentId: r.payment_id, declarationId: r.declaration_id, token: r.token, issuedAt: r.issued_at, voidedAt: r.voided_at }
    : undefined;
}

export async function findReceiptByNumber(db: Queryable, number: string): Promise<StoredReceipt | undefined> {
  const { rows } = await db.query<{ id: string; number: string; payment_id: string; declaration_id: string; token: string; issued_at: Date }>(
    'SELECT * FROM receipts WHERE number = $1',
    [number],
  );
  const r = rows[0];
  return r ? { id: r.id, number: r.number, paymentId: r.payment_id, declarationId: r.declaration_id, token: r.token, issuedAt: r.issued_at } : undefined;
}

export interface StoredForCheck {
  token: string;
  voided_at: Date | null;
  void_reason: 'refunded' | null;
}

export async function findForCheck(db: Queryable, number: string): Promise<StoredForCheck | undefined> {
  const { rows } = await db.query<StoredForCheck>('SELECT token, voided_at, void_reason FROM receipts WHERE number = $1', [number]);
  return rows[0];
}
