/**
 * Three-way reconciliation of a day: BANGE's statement, the webhooks we received, and our ledger,
 * matched on the bank's transaction id (payments) and on BANGE's refund id (refunds: the statement's
 * refund lines, `payment.refunded` webhooks, refund journals). Every item that is not in all three
 * is listed with its kind and age.
 *
 * A day is a day of Equatorial Guinea (Africa/Malabo), the day finance closes: date D covers
 * [D 00:00 WAT, D+1 00:00 WAT) = [D-1 23:00Z, D 23:00Z).
 */
import type { Queryable } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { Bank, StatementLine } from '../../ports/bank.port';
import { findJournalSightings, findWebhookSightings, type JournalSighting, type WebhookSighting } from './reconciliation.repository';

export interface ReconciliationItem {
  kind: 'payment' | 'refund';
  /** The bank's transaction id (payments) or refund id (refunds). */
  transactionId: string;
  reference: string | null;
  amounts: { statement: number | null; webhook: number | null; ledger: number | null };
  problem: ReconciliationProblem;
  /** Hours since the earliest sighting. */
  ageHours: number;
}

export const RECONCILIATION_PROBLEMS = ['missing_webhook', 'not_in_statement', 'not_booked', 'amount_differs'] as const;
export type ReconciliationProblem = (typeof RECONCILIATION_PROBLEMS)[number];

export interface ReconciliationTotals {
  statement: number;
  webhooks: number;
  ledger: number;
}

export interface ReconciliationReport {
  date: string;
  /** Payments and refunds found in all three sources with the same amount. */
  matched: number;
  /** Money in: payments. */
  totals: ReconciliationTotals;
  /** Money out: refunds (absent from runs stored before refunds were reconciled). */
  refundTotals?: ReconciliationTotals;
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
async function statementLines(bank: Bank, date: string, from: Date, to: Date): Promise<{ payments: StatementLine[]; refunds: StatementLine[] }> {
  const [previous, day] = await Promise.all([bank.dailyStatement(isoDay(utcMidnight(date) - DAY_MS)), bank.dailyStatement(date)]);
  const seen = new Set<string>();
  const lines = [...previous, ...day].filter((l) => {
    const at = Date.parse(l.at);
    const key = `${l.transactionId}|${l.type}|${l.at}|${l.amount}|${l.refundId ?? ''}`;
    if (!(at >= from.getTime() && at < to.getTime()) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { payments: lines.filter((l) => l.type === 'payment'), refunds: lines.filter((l) => l.type === 'refund') };
}

interface Sighting {
  id: string;
  amount: number;
  at: Date;
  reference: string | null;
}

/** Matches the three sources of one kind of money on their ids; each source's first sighting of an id counts. */
function matchSources(kind: ReconciliationItem['kind'], statement: Sighting[], webhooks: Sighting[], ledger: Sighting[], now: Date) {
  const firstBy = (rows: Sighting[]) => {
    const map = new Map<string, Sighting>();
    for (const r of rows) if (!map.has(r.id)) map.set(r.id, r);
    return map;
  };
  const statementById = firstBy(statement);
  const webhookById = firstBy(webhooks);
  const ledgerById = firstBy(ledger);
  const ids = new Set([...statementById.keys(), ...webhookById.keys(), ...ledgerById.keys()]);
  const unmatched: ReconciliationItem[] = [];
  let matched = 0;
  for (const id of ids) {
    const s = statementById.get(id);
    const w = webhookById.get(id);
    const l = ledgerById.get(id);
    const amounts = { statement: s?.amount ?? null, webhook: w?.amount ?? null, ledger: l?.amount ?? null };
    const seen = [s?.at, w?.at, l?.at].filter((d): d is Date => d !== undefined);
    const ageHours = Math.floor((now.getTime() - Math.min(...seen.map((d) => d.getTime()))) / 3_600_000);
    const problem = !s
      ? 'not_in_statement'
      : !w
        ? 'missing_webhook'
        : !l
          ? 'not_booked'
          : new Set([amounts.statement, amounts.webhook, amounts.ledger]).size > 1
            ? 'amount_differs'
            : undefined;
    if (problem) unmatched.push({ kind, transactionId: id, reference: s?.reference ?? w?.reference ?? l?.reference ?? null, amounts, problem, ageHours });
    else matched++;
  }
  const sum = (xs: Sighting[]) => xs.reduce((a, b) => a + b.amount, 0);
  return { matched, unmatched, totals: { statement: sum(statement), webhooks: sum(webhooks), ledger: sum(ledger) } };
}

export async function reconcileDay(db: Queryable, bank: Bank, date: string, now: Date): Promise<ReconciliationReport> {
  const { from, to } = malaboDayBounds(date);
  const statement = await statementLines(bank, date, from, to);
  const webhooks = await findWebhookSightings(db, from, to);
  const ledger = await findJournalSightings(db, from, to);
  const fromLine = (l: StatementLine): Sighting => ({
    id: l.type === 'refund' ? (l.refundId ?? `${l.transactionId}@${l.at}`) : l.transactionId,
    amount: l.amount,
    at: new Date(l.at),
    reference: l.reference,
  });
  const fromWebhook = (w: WebhookSighting): Sighting => ({ id: w.id, amount: Number(w.amount), at: w.received_at, reference: w.reference });
  const fromJournal = (j: JournalSighting): Sighting => ({ id: j.external_ref, amount: Number(j.amount), at: j.booked_at, reference: j.reference });

  const payments = matchSources(
    'payment',
    statement.payments.map(fromLine),
    webhooks.filter((w) => w.type === 'payment.succeeded').map(fromWebhook),
    ledger.filter((j) => j.kind === 'payment').map(fromJournal),
    now,
  );
  const refunds = matchSources(
    'refund',
    statement.refunds.map(fromLine),
    webhooks.filter((w) => w.type === 'payment.refunded').map(fromWebhook),
    ledger.filter((j) => j.kind === 'refund').map(fromJournal),
    now,
  );
  return {
    date,
    matched: payments.matched + refunds.matched,
    totals: payments.totals,
    refundTotals: refunds.totals,
    unmatched: [...payments.unmatched, ...refunds.unmatched].sort((a, b) => b.ageHours - a.ageHours),
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
      items: report.unmatched
        .slice(0, LOGGED_ITEMS)
        .map((i) => ({ transactionId: i.transactionId, reference: i.reference, problem: i.problem, amounts: i.amounts })),
    });
  }
  return report;
}
