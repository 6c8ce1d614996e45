/**
 * Three-way reconciliation of a day: BANGE's statement, the webhooks we received, and our ledger,
 * matched on the bank's transaction id. Every item that is not in all three is listed with its age.
 *
 * A day is a day of Equatorial Guinea (Africa/Malabo), the day finance closes: date D covers
 * [D 00:00 WAT, D+1 00:00 WAT) = [D-1 23:00Z, D 23:00Z).
 */
import type { Queryable } from '../../adapters/db/database';
import type { Logger } from '../../logging/logger';
import type { Clock } from '../../ports/clock.port';
import type { Bank, StatementLine } from '../../ports/bank.port';

export interface ReconciliationItem {
  transactionId: string;
  reference: string | null;
  amounts: { statement: number | null; webhook: number | null; ledger: number | null };
  problem: ReconciliationProblem;
  /** Hours since the earliest sighting. */
  ageHours: number;
}

export const RECONCILIATION_PROBLEMS = ['missing_webhook', 'not_in_statement', 'not_booked', 'amount_differs'] as const;
export type ReconciliationProblem = (typeof RECONCILIATION_PROBLEMS)[number];

export interface ReconciliationReport {
  date: string;
  matched: number;
  totals: { statement: number; webhooks: number; ledger: number };
  unmatched: ReconciliationItem[];
}

export const MALABO_TIME_ZONE = 'Africa/Malabo';
/**
 * Africa/Malabo is West Africa Time, UTC+01:00 all year: Equatorial Guinea keeps no daylight saving
 * time, so a fixed offset gives the same instants as the tz database (a unit test compares both).
 */
const MALABO_OFFSET_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC midnight. */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const utcMidnight = (date: string) => Date.parse(`${date}T00:00:00.000Z`);

/** The instants of the Malabo day `date` (`YYYY-MM-DD`): from included, to excluded. */
export function malaboDayBounds(date: string): { from: Date; to: Date } {
  const from = utcMidnight(date) - MALABO_OFFSET_MS;
  return { from: new Date(from), to: new Date(from + DAY_MS) };
}

/** The Malabo calendar day (`YYYY-MM-DD`) an instant falls on. */
export function malaboDate(at: Date): string {
  return isoDay(at.getTime() + MALABO_OFFSET_MS);
}

/** The Malabo day before the one `now` falls on: what the morning's scheduled run reconciles. */
export function malaboYesterday(now: Date): string {
  return isoDay(utcMidnight(malaboDate(now)) - DAY_MS);
}

/**
 * BANGE's payment lines of the Malabo day `date`. The bank port documents its statements as UTC days
 * (and the sandbox implements them so), while a Malabo day spans the last hour of UTC day D-1 and
 * the first 23 hours of UTC day D: both statements are read and each line is placed by its own
 * timestamp. Were BANGE's statements Malabo days instead, statement D would hold exactly the lines
 * kept and D-1 none, so the result is the same either way.
 */
async function statementLines(bank: Bank, date: string, from: Date, to: Date): Promise<StatementLine[]> {
  const [previous, day] = await Promise.all([bank.dailyStatement(isoDay(utcMidnight(date) - DAY_MS)), bank.dailyStatement(date)]);
  const seen = new Set<string>();
  return [...previous, ...day].filter((l) => {
    const at = Date.parse(l.at);
    const key = `${l.transactionId}|${l.type}|${l.at}|${l.amount}`;
    if (l.type !== 'payment' || !(at >= from.getTime() && at < to.getTime()) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function reconcileDay(db: Queryable, bank: Bank, date: string, now: Date): Promise<ReconciliationReport> {
  const { from, to } = malaboDayBounds(date);
  const statement = await statementLines(bank, date, from, to);
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

  // The first sighting of each transaction in each source, as the matching below always did.
  const firstBy = <T>(rows: T[], id: (row: T) => string) => {
    const map = new Map<string, T>();
    for (const r of rows) if (!map.has(id(r))) map.set(id(r), r);
    return map;
  };
  const statementById = firstBy(statement, (s) => s.transactionId);
  const webhookById = firstBy(webhooks, (w) => w.transaction_id);
  const ledgerById = firstBy(ledger, (l) => l.external_ref);

  const ids = new Set([...statementById.keys(), ...webhookById.keys(), ...ledgerById.keys()]);
  const unmatched: ReconciliationItem[] = [];
  let matched = 0;
  for (const id of ids) {
    const s = statementById.get(id);
    const w = webhookById.get(id);
    const l = ledgerById.get(id);
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

export interface DailyReconciliationDeps {
  db: Queryable;
  bank: Bank;
  clock: Clock;
  logger: Logger;
  /** Stores the day's result, replacing an earlier run of the same day (reconciliation-runs.repository.ts). */
  save: (report: ReconciliationReport, runAt: Date) => Promise<void>;
  /** Each unmatched item found (metrics: reconciliation_discrepancies{problem}). */
  onDiscrepancy?: (problem: ReconciliationProblem) => void;
}

/** Log lines carry at most this many items; the stored run keeps them all. */
const LOGGED_ITEMS = 50;

/**
 * The scheduled run: reconciles `date` (default: yesterday in Malabo by the clock), stores the
 * result under its date, and when anything is unmatched logs one ERROR line with
 * `event: "reconciliation_discrepancies"` and counts each item.
 */
export async function runDailyReconciliation(deps: DailyReconciliationDeps, date?: string): Promise<ReconciliationReport> {
  const now = deps.clock.now();
  const day = date ?? malaboYesterday(now);
  const report = await reconcileDay(deps.db, deps.bank, day, now);
  await deps.save(report, now);
  const byProblem: Partial<Record<ReconciliationProblem, number>> = {};
  for (const item of report.unmatched) {
    byProblem[item.problem] = (byProblem[item.problem] ?? 0) + 1;
    deps.onDiscrepancy?.(item.problem);
  }
  const summary = { date: day, matched: report.matched, unmatched: report.unmatched.length, totals: report.totals };
  if (report.unmatched.length === 0) {
    deps.logger.info('reconciliation matched', { event: 'reconciliation_completed', ...summary });
  } else {
    deps.logger.error('reconciliation found discrepancies', {
      event: 'reconciliation_discrepancies',
      ...summary,
      problems: byProblem,
      items: report.unmatched.slice(0, LOGGED_ITEMS).map((i) => ({ transactionId: i.transactionId, reference: i.reference, problem: i.problem, amounts: i.amounts })),
    });
  }
  return report;
}
