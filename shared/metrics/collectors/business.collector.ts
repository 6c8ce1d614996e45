/** Business gauges from PostgreSQL: revenue (the ledger's sum), declarations, review queue, pending payments, outbox, dead letters. */
import type { Queryable } from '../../adapters/db/database';
import type { MetricCollector } from './metric-collector';

export function createBusinessCollector(options: { db: Queryable; now: () => Date }): MetricCollector {
  const { db } = options;
  return {
    name: 'business',
    metrics: ['revenue_xaf', 'declarations', 'review_queue_size', 'review_queue_oldest_age_seconds', 'payments_pending', 'outbox_backlog', 'outbox_oldest_age_seconds', 'dead_letters'],
    async collect() {
      const now = options.now().getTime();
      const [revenue, declarations, queue, pending, outbox, dead] = await Promise.all([
        db.query<{ ministry: string; net: string }>(
          `SELECT substring(account FROM 9) AS ministry, sum(credit) - sum(debit) AS net FROM ledger_entries WHERE account LIKE 'revenue:%' GROUP BY account ORDER BY account`,
        ),
        db.query<{ kind: string; status: string; n: number }>('SELECT kind, status, count(*)::int AS n FROM declarations GROUP BY kind, status ORDER BY kind, status'),
        db.query<{ ministry: string; n: number; oldest: Date | null }>(
          `SELECT ministry_code AS ministry, count(*)::int AS n, min(coalesce(queued_at, created_at)) AS oldest FROM declarations
            WHERE (kind = 'service_fee' AND status = 'paid') OR (kind = 'tax_return' AND status = 'submitted') OR status = 'escalated'
            GROUP BY ministry_code ORDER BY ministry_code`,
        ),
        db.query<{ method: string; n: number }>("SELECT method, count(*)::int AS n FROM payments WHERE status = 'pending' GROUP BY method ORDER BY method"),
        db.query<{ n: number; oldest: Date | null }>('SELECT count(*)::int AS n, min(created_at) AS oldest FROM event_outbox WHERE published_at IS NULL'),
        db.query<{ subscription: string; n: number }>('SELECT subscription, count(*)::int AS n FROM dead_letters WHERE replayed_at IS NULL GROUP BY subscription ORDER BY subscription'),
      ]);
      const age = (d: Date | null) => (d ? Math.max(0, (now - d.getTime()) / 1000) : 0);
      return {
        revenue_xaf: revenue.rows.map((r) => ({ labels: { ministry: r.ministry }, value: Number(r.net) })),
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
