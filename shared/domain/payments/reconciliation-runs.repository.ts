/** The stored result of each day's reconciliation: one row per Malabo day, replaced by a later run of that day. */
import type { Queryable } from '../../ports/database.port';
import type { ReconciliationItem, ReconciliationReport } from './reconciliation';

export interface ReconciliationRun extends ReconciliationReport {
  unmatchedCount: number;
  runAt: Date;
}

interface RunRow {
  date: string;
  matched: number;
  statement_total: string;
  webhooks_total: string;
  ledger_total: string;
  unmatched: ReconciliationItem[];
  unmatched_count: number;
  run_at: Date;
}

const toRun = (r: RunRow): ReconciliationRun => ({
  date: r.date,
  matched: r.matched,
  totals: { statement: Number(r.statement_total), webhooks: Number(r.webhooks_total), ledger: Number(r.ledger_total) },
  // Runs stored before refunds were reconciled list payments only.
  unmatched: r.unmatched.map((i) => ({ ...i, kind: i.kind ?? 'payment' })),
  unmatchedCount: r.unmatched_count,
  runAt: r.run_at,
});

/**
 * Stores a day's result. Running the same day again replaces its row (upsert on the date), unless
 * the stored run is later than this one: a slow retry never overwrites a newer result.
 */
export async function saveReconciliationRun(q: Queryable, report: ReconciliationReport, runAt: Date): Promise<void> {
  await q.query(
    `INSERT INTO reconciliation_runs (date, matched, statement_total, webhooks_total, ledger_total, unmatched, unmatched_count, run_at)
     VALUES ($1::date, $2, $3, $4, $5, $6::jsonb, $7, $8)
     ON CONFLICT (date) DO UPDATE SET
       matched = EXCLUDED.matched, statement_total = EXCLUDED.statement_total, webhooks_total = EXCLUDED.webhooks_total,
       ledger_total = EXCLUDED.ledger_total, unmatched = EXCLUDED.unmatched, unmatched_count = EXCLUDED.unmatched_count, run_at = EXCLUDED.run_at
     WHERE reconciliation_runs.run_at <= EXCLUDED.run_at`,
    [
      report.date,
      report.matched,
      report.totals.statement,
      report.totals.webhooks,
      report.totals.ledger,
      JSON.stringify(report.unmatched),
      report.unmatched.length,
      runAt,
    ],
  );
}

export interface RunFilter {
  /** First day, included (`YYYY-MM-DD`). */
  from?: string;
  /** Last day, included (`YYYY-MM-DD`). */
  to?: string;
  /** Days strictly before this one: the cursor of the previous page. */
  before?: string;
  limit: number;
}

/** Stored runs, newest day first, and how many match the day range over all pages. */
export async function listReconciliationRuns(q: Queryable, filter: RunFilter): Promise<{ runs: ReconciliationRun[]; total: number }> {
  const range = `($1::date IS NULL OR date >= $1::date) AND ($2::date IS NULL OR date <= $2::date)`;
  const [page, count] = await Promise.all([
    q.query<RunRow>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, matched, statement_total, webhooks_total, ledger_total, unmatched, unmatched_count, run_at
         FROM reconciliation_runs WHERE ${range} AND ($3::date IS NULL OR date < $3::date) ORDER BY date DESC LIMIT $4`,
      [filter.from ?? null, filter.to ?? null, filter.before ?? null, filter.limit],
    ),
    q.query<{ n: number }>(`SELECT count(*)::int AS n FROM reconciliation_runs WHERE ${range}`, [filter.from ?? null, filter.to ?? null]),
  ]);
  return { runs: page.rows.map(toRun), total: count.rows[0]!.n };
}
