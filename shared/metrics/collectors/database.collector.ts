/** Database figures: this instance's pool (no query) and whether PostgreSQL answers, with its size and deadlocks. */
import type { Database, Queryable } from '../../ports/database.port';
import type { MetricCollector } from './metric-collector';

export function createPoolCollector(options: { stats: Database['stats']; maxConnections: number }): MetricCollector {
  return {
    name: 'pool',
    metrics: ['db_pool_connections', 'db_pool_waiting_clients', 'db_pool_max_connections'],
    async collect() {
      const { total, idle, waiting } = options.stats();
      return {
        db_pool_connections: [
          { labels: { state: 'idle' }, value: idle },
          { labels: { state: 'in_use' }, value: total - idle },
        ],
        db_pool_waiting_clients: [{ labels: {}, value: waiting }],
        db_pool_max_connections: [{ labels: {}, value: options.maxConnections }],
      };
    },
  };
}

/** db_up is 0 (not a failed collection) when the database does not answer: that is the fact to report. */
export function createDatabaseCollector(options: { db: Queryable & Pick<Database, 'ping'>; pingTimeoutMs?: number }): MetricCollector {
  return {
    name: 'database',
    metrics: ['db_up', 'db_size_bytes', 'db_deadlocks'],
    async collect() {
      try {
        await options.db.ping(options.pingTimeoutMs ?? 2000);
      } catch {
        return { db_up: [{ labels: {}, value: 0 }] };
      }
      const { rows } = await options.db.query<{ bytes: string; deadlocks: string }>(
        'SELECT pg_database_size(current_database())::text AS bytes, (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())::text AS deadlocks',
      );
      return {
        db_up: [{ labels: {}, value: 1 }],
        db_size_bytes: [{ labels: {}, value: Number(rows[0]?.bytes ?? 0) }],
        db_deadlocks: [{ labels: {}, value: Number(rows[0]?.deadlocks ?? 0) }],
      };
    },
  };
}
