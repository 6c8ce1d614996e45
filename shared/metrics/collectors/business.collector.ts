/** Business gauges from PostgreSQL: revenue (the ledger's sum, to date and this day/week/month), declarations, review queue, pending payments, outbox, dead letters. */
import type { Queryable } from '../../ports/database.port';
import type { MetricCollector } from './metric-collector';

const MALABO_OFFSET_MS = 3600_000; // Africa/Malabo: UTC+1, no daylight saving time
const DAY_MS = 86_400_000;

/** Starts of the current calendar day, week (Monday) and month in Africa/Malabo, as instants. */
export function periodStarts(now: Date): { day: Date; week: Date; month: Date } {
  const local = new Date(now.getTime() + MALABO_OFFSET_MS);
  const dayStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const weekStart = dayStart - ((local.getUTCDay() + 6) % 7) * DAY_MS;
  const monthStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  const instant = (t: number) => new Date(t - MALABO_OFFSET_MS);
  return { day: instant(dayStart), week: instant(weekStart), month: instant(monthStart) };
}

export function createBusinessCollector(options: { db: Queryable; now: () => Date }): MetricCollector {
  const { db } = options;
  return {
    name: 'business',
    metrics: [
      'revenue_xaf',
      'revenue_current_period_xaf',
      'declarations',
      'review_queue_size',
      'review_queue_oldest_age_seconds',
      'payments_pending',
      'outbox_backlog',
      'outbox_oldest_age_seconds',
      'dead_letters',
    ],
    async collect() {
      const now = options.now().getTime();
      const starts = periodStarts(options.now());
      const [revenue, periods, declarations, queue, pending, outbox, dead] = await Promise.all([
        db.query<{ ministry: string; net: string }>(
          `SELECT substring(account FROM 9) AS ministry, sum(credit) - sum(debit) AS net FROM ledger_entries WHERE account LIKE 'revenue:%' GROUP BY account ORDER BY account`,
        ),
        db.query<{ ministry: string; day: string; week: string; month: string }>(
          `SELECT substring(e.account FROM 9) AS ministry,
                  coalesce(sum(e.credit - e.debit) FILTER (WHERE j.booked_at >= $1), 0) AS day,
                  coalesce(sum(e.credit - e.debit) FILTER (WHERE j.booked_at >= $2), 0) AS week,
                  coalesce(sum(e.credit - e.debit) FILTER (WHERE j.booked_at >= $3), 0) AS month
             FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id
            WHERE e.account LIKE 'revenue:%' AND j.booked_at >= least($2::timestamptz, $3::timestamptz)
            GROUP BY e.account ORDER BY e.account`,
          [starts.day, starts.week, starts.month],
        ),
        db.query<{ kind: string; status: string; n: number }>(
          'SELECT kind, status, count(*)::int AS n FROM declarations GROUP BY kind, status ORDER BY kind, status',
        ),
        db.query<{ ministry: string; n: number; oldest: Date | null }>(
          `SELECT ministry_code AS ministry, count(*)::int AS n, min(coalesce(queued_at, created_at)) AS oldest FROM declarations
            WHERE (kind = 'service_fee' AND status = 'paid') OR (kind = 'tax_return' AND status = 'submitted') OR status = 'escalated'
            GROUP BY ministry_code ORDER BY ministry_code`,
        ),
        db.query<{ method: string; n: number }>("SELECT method, count(*)::int AS n FROM payments WHERE status = 'pending' GROUP BY method ORDER BY method"),
        db.query<{ n: number; oldest: Date | null }>('SELECT count(*)::int AS n, min(created_at) AS oldest FROM event_outbox WHERE published_at IS NULL'),
        db.query<{ subscription: string; n: number }>(
          'SELECT subscription, count(*)::int AS n FROM dead_letters WHERE replayed_at IS NULL GROUP BY subscription ORDER BY subscription',
        ),
      ]);
      const age = (d: Date | null) => (d ? Math.max(0, (now - d.getTime()) / 1000) : 0);
      return {
        revenue_xaf: revenue.rows.map((r) => ({ labels: { ministry: r.ministry }, value: Number(r.net) })),
        revenue_current_period_xaf: periods.rows.flatMap((r) =>
          (['day', 'week', 'month'] as const).map((period) => ({ labels: { ministry: r.ministry, period }, value: Number(r[period]) })),
        ),
        declarations: declarations.rows.map((r) => ({ labels: { kind: r.kind, state: r.status }, value: r.n })),
        review_queue_size: queue.rows.map((r) => ({ labels: { ministry: r.ministry }, value: r.n })),
        review_queue_oldest_age_seconds: queue.rows.map((r) => ({ labels: { ministry: r.ministry }, value: age(r.oldest) })),
        payments_pending: pending.rows.map((r) => ({ labels: { method: r.method }, value: r.n })),
        outbox_backlog: [{ labels: {}, value: outbox.rows[0]?.n ?? 0 }],
        outbox_oldest_age_seconds: [{ labels: {}, value: age(outbox.rows[0]?.oldest ?? null) }],
        dead_letters: dead.rows.map((r) => ({ labels: { subscription: r.subscription }, value: r.n })),
      };
    },
  };
}
