/** Who is active, read from PostgreSQL: sessions that can still be refreshed, and each agent's decisions of the last 24 hours. */
import type { Queryable } from '../../ports/database.port';
import type { MetricCollector } from './metric-collector';

/** The history actions that are an agent's decision on a declaration. */
export const DECISION_ACTIONS = ['approve', 'reject', 'request_documents', 'escalate'] as const;

export function createActivityCollector(options: { db: Queryable; now: () => Date }): MetricCollector {
  return {
    name: 'activity',
    metrics: ['auth_active_sessions', 'agent_decisions_last_day'],
    async collect() {
      const now = options.now();
      const sessions = await options.db.query<{ n: number }>(
        'SELECT count(DISTINCT family_id)::int AS n FROM refresh_tokens WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > $1',
        [now],
      );
      const decisions = await options.db.query<{ agent: string; n: number }>(
        `SELECT actor_id::text AS agent, count(*)::int AS n FROM declaration_history
          WHERE actor_role = 'agent' AND actor_id IS NOT NULL AND action = ANY($1::text[]) AND at > $2 AND at <= $3
          GROUP BY actor_id ORDER BY actor_id`,
        [DECISION_ACTIONS, new Date(now.getTime() - 24 * 3600_000), now],
      );
      return {
        auth_active_sessions: [{ labels: {}, value: sessions.rows[0]?.n ?? 0 }],
        agent_decisions_last_day: decisions.rows.map((r) => ({ labels: { agent: r.agent }, value: r.n })),
      };
    },
  };
}
