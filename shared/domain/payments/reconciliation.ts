/**
 * Three-way reconciliation of a day: BANGE's statement, the webhooks we received, and our ledger,
 * matched on the bank's transaction id. Every item that is not in all three is listed with its age.
 */
import type { Queryable } from '../../adapters/db/database';
import type { Bank } from '../../ports/bank.port';

export interface ReconciliationItem {
  transactionId: string;
  reference: string | null;
  amounts: { statement: number | null; webhook: number | null; ledger: number | null };
  problem: 'missing_webhook' | 'not_in_statement' | 'not_booked' | 'amount_differs';
  /** Hours since the earliest sighting. */
  ageHours: number;
}

export interface ReconciliationReport {
  date: string;
  matched: number;
  totals: { statement: number; webhooks: number; ledger: number };
  unmatched: ReconciliationItem[];
}

export async function reconcileDay(db: Queryable, bank: Bank, date: string, now: Date): Promise<ReconciliationReport> {
  const from = new Date(`${date}T00:00:00.000Z`);
  const to = new Date(from.getTime() + 86_400_000);
  const statement = (await bank.dailyStatement(date)).filter((l) => l.type === 'payment');
  const webhooks = (
    await db.query<{ transaction_id: string; amount: string; received_at: Date; reference: string | null }>(
      `SELECT w.transaction_id, w.amount, w.received_at, p.reference FROM webhook_events w LEFT JOIN payments p ON p.id = w.payment_id
        WHERE w.type = 'payment.succeeded' AND w.transaction_id IS NOT NULL AND w.received_at >= $1 AND w.received_at < $2`,
      [from, to],
    )
  ).rows;
  const ledger = (
    await db.query<{ external_ref: string; amount: string; booked_at: Date; reference: string }>(
      `SELECT j.external_ref, e.debit AS amount, j.booked_at, p.reference
         FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id AND e.debit > 0 JOIN payments p ON p.id = j.payment_id
        WHERE j.kind = 'payment' AND j.booked_at >= $1 AND j.booked_at < $2`,
      [from, to],
    )
  ).rows;

  const ids = new Set([...statement.map((s) => s.transactionId), ...webhooks.map((w) => w.transaction_id), ...ledger.map((l) => l.external_ref)]);
  const unmatched: ReconciliationItem[] = [];
  let matched = 0;
  for (const id of ids) {
    const s = statement.find((x) => x.transactionId === id);
    const w = webhooks.find((x) => x.transaction_id === id);
    const l = ledger.find((x) => x.external_ref === id);
    const amounts = { statement: s?.amount ?? null, webhook: w ? Number(w.amount) : null, ledger: l ? Number(l.amount) : null };
    const seen = [s ? new Date(s.at) : undefined, w?.received_at, l?.booked_at].filter((d): d is Date => d !== undefined);
    const ageHours = Math.floor((now.getTime() - Math.min(...seen.map((d) => d.getTime()))) / 3_600_000);
    const problem = !s ? 'not_in_statement' : !w ? 'missing_webhook' : !l ? 'not_booked' : new Set([amounts.statement, amounts.webhook, amounts.ledger]).size > 1 ? 'amount_differs' : undefined;
    if (problem) unmatched.push({ transactionId: id, reference: s?.reference ?? w?.reference ?? l?.reference ?? null, amounts, problem, ageHours });
    else matched++;
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    date,
    matched,
    totals: { statement: sum(statement.map((s) => s.amount)), webhooks: sum(webhooks.map((w) => Number(w.amount))), ledger: sum(ledger.map((l) => Number(l.amount))) },
    unmatched: unmatched.sort((a, b) => b.ageHours - a.ageHours),
  };
}
