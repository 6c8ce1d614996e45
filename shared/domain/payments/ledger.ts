/**
 * The double-entry ledger in integer XAF. A payment debits the money held at BANGE and credits the
 * ministry's revenue; a refund reverses that. Journals are keyed by the bank's transaction or refund
 * id, so the same money can never be booked twice; the database refuses unbalanced journals and edits.
 */
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';

export const BANGE_CLEARING = 'asset:bange-clearing';
export const revenueAccount = (ministry: string) => `revenue:${ministry}`;

export interface JournalInput {
  kind: 'payment' | 'refund';
  externalRef: string;
  paymentId: string;
  declarationId: string;
  ministry: string;
  serviceCode: string | null;
  amount: number;
  at: Date;
}

/** Books the journal; returns false when that external reference was already booked. */
export async function bookJournal(tx: Queryable, ids: IdGenerator, j: JournalInput): Promise<boolean> {
  if (!Number.isSafeInteger(j.amount) || j.amount <= 0) throw new Error(`ledger amounts are positive whole XAF, got ${j.amount}`);
  const [debit, credit] = j.kind === 'payment' ? [BANGE_CLEARING, revenueAccount(j.ministry)] : [revenueAccount(j.ministry), BANGE_CLEARING];
  // The journal and its two entries in one round trip: the entries only when the journal was new.
  const { rowCount } = await tx.query(
    `WITH journal AS (
       INSERT INTO ledger_journals (id, kind, external_ref, payment_id, declaration_id, ministry_code, service_code, booked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, external_ref) DO NOTHING
       RETURNING id
     )
     INSERT INTO ledger_entries (journal_id, account, debit, credit)
     SELECT journal.id, e.account, e.debit, e.credit FROM journal, (VALUES ($9::text, $11::bigint, 0::bigint), ($10::text, 0::bigint, $11::bigint)) AS e (account, debit, credit)`,
    [ids.uuid(), j.kind, j.externalRef, j.paymentId, j.declarationId, j.ministry, j.serviceCode, j.at, debit, credit, j.amount],
    'ledger_book_journal',
  );
  return rowCount !== 0;
}

export interface RevenueRow {
  ministry: string;
  payments: number;
  refunds: number;
  net: number;
  count: number;
}

/** Revenue per ministry over [from, to), from the ledger. */
export async function revenueByMinistry(db: Queryable, from: Date, to: Date, ministry?: string): Promise<RevenueRow[]> {
  const { rows } = await db.query<{ ministry: string; payments: string; refunds: string; count: string }>(
    `SELECT j.ministry_code AS ministry,
            coalesce(sum(e.credit) FILTER (WHERE j.kind = 'payment'), 0) AS payments,
            coalesce(sum(e.debit) FILTER (WHERE j.kind = 'refund'), 0) AS refunds,
            count(DISTINCT j.id) FILTER (WHERE j.kind = 'payment') AS count
       FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id AND e.account LIKE 'revenue:%'
      WHERE j.booked_at >= $1 AND j.booked_at < $2 AND ($3::text IS NULL OR j.ministry_code = $3)
      GROUP BY j.ministry_code ORDER BY j.ministry_code`,
    [from, to, ministry ?? null],
  );
  return rows.map((r) => ({ ministry: r.ministry, payments: Number(r.payments), refunds: Number(r.refunds), net: Number(r.payments) - Number(r.refunds), count: Number(r.count) }));
}

/** Sum of debits minus credits per account: the trial balance (every journal balances, so the total is 0). */
export async function trialBalance(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ account: string; balance: string }>('SELECT account, sum(debit) - sum(credit) AS balance FROM ledger_entries GROUP BY account ORDER BY account');
  return Object.fromEntries(rows.map((r) => [r.account, Number(r.balance)]));
}
