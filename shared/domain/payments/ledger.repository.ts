/** The ledger tables: journals keyed by the bank's reference, their balanced entries, and what finance reads of them. */
import type { Queryable } from '../../ports/database.port';

/** Inserts the journal and its two entries in one statement; false when that external reference was booked already. */
/** A journal to book: what was paid or refunded, for which declaration and ministry. */
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

export async function insertJournal(tx: Queryable, j: JournalInput & { id: string; debit: string; credit: string }): Promise<boolean> {
  const { rowCount } = await tx.query(
    `WITH journal AS (
       INSERT INTO ledger_journals (id, kind, external_ref, payment_id, declaration_id, ministry_code, service_code, booked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, external_ref) DO NOTHING
       RETURNING id
     )
     INSERT INTO ledger_entries (journal_id, account, debit, credit)
     SELECT journal.id, e.account, e.debit, e.credit FROM journal, (VALUES ($9::text, $11::bigint, 0::bigint), ($10::text, 0::bigint, $11::bigint)) AS e (account, debit, credit)`,
    [j.id, j.kind, j.externalRef, j.paymentId, j.declarationId, j.ministry, j.serviceCode, j.at, j.debit, j.credit, j.amount],
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
  return rows.map((r) => ({
    ministry: r.ministry,
    payments: Number(r.payments),
    refunds: Number(r.refunds),
    net: Number(r.payments) - Number(r.refunds),
    count: Number(r.count),
  }));
}

/** Sum of debits minus credits per account: the trial balance (every journal balances, so the total is 0). */
export async function trialBalance(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ account: string; balance: string }>(
    'SELECT account, sum(debit) - sum(credit) AS balance FROM ledger_entries GROUP BY account ORDER BY account',
  );
  return Object.fromEntries(rows.map((r) => [r.account, Number(r.balance)]));
}
