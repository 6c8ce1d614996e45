/** Running totals of every instance's counters and histograms (migration 0022): published per instance, folded when it is gone, summed per series. */
import type { Database, Queryable } from '../ports/database.port';

/** One sample of one series: a counter (`sample` ''), or a histogram's bucket (`bucket:<i>`), `sum` or `count`. */
export interface TotalRow {
  metric: string;
  sample: string;
  labels: Record<string, string>;
  value: number;
}

export interface InstancePublication {
  instanceId: string;
  functionId: string;
  startedAt: Date;
  at: Date;
  rows: readonly TotalRow[];
  /** The instance is stopping: fold its totals into its function's base in the same transaction. */
  final?: boolean;
}

/**
 * Upserts an instance's totals (absolute values, so repeating a publication changes nothing).
 * `retired` when the id was folded already: nothing is written, and the caller publishes under a new id.
 */
export async function publishInstanceTotals(db: Database, p: InstancePublication): Promise<'published' | 'retired'> {
  return db.transaction(async (tx) => {
    // The row lock taken here orders this publication and a concurrent fold of the same instance.
    const live = await tx.query(
      `INSERT INTO metric_instances (instance_id, function_id, started_at, last_seen_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (instance_id) DO UPDATE SET last_seen_at = excluded.last_seen_at WHERE metric_instances.retired_at IS NULL
       RETURNING instance_id`,
      [p.instanceId, p.functionId, p.startedAt, p.at],
    );
    if (live.rowCount === 0) return 'retired';
    if (p.rows.length > 0) {
      await tx.query(
        `INSERT INTO metric_totals (function_id, instance_id, metric, sample, labels, value)
         SELECT $1, $2, r.metric, r.sample, r.labels, r.value
           FROM jsonb_to_recordset($3::jsonb) AS r(metric text, sample text, labels jsonb, value double precision)
         ON CONFLICT (function_id, instance_id, metric, sample, labels) DO UPDATE SET value = excluded.value`,
        [p.functionId, p.instanceId, JSON.stringify(p.rows)],
      );
    }
    if (p.final) await foldInstances(tx, { at: p.at, instanceIds: [p.instanceId] });
    return 'published';
  });
}

/**
 * Retires the given instances and those not seen since `staleBefore`, and moves their totals into
 * their function's base (instance_id ''), in one statement: the sums never change, let alone go down.
 */
export async function foldInstances(db: Queryable, o: { at: Date; staleBefore?: Date; instanceIds?: readonly string[] }): Promise<number> {
  const { rows } = await db.query<{ retired: number }>(
    `WITH gone AS (
       UPDATE metric_instances SET retired_at = $1
        WHERE retired_at IS NULL AND (last_seen_at < $2 OR instance_id = ANY($3::text[]))
        RETURNING instance_id
     ), moved AS (
       DELETE FROM metric_totals t USING gone WHERE t.instance_id = gone.instance_id
       RETURNING t.function_id, t.metric, t.sample, t.labels, t.value
     ), based AS (
       INSERT INTO metric_totals (function_id, instance_id, metric, sample, labels, value)
       SELECT function_id, '', metric, sample, labels, sum(value) FROM moved GROUP BY function_id, metric, sample, labels
       ON CONFLICT (function_id, instance_id, metric, sample, labels) DO UPDATE SET value = metric_totals.value + excluded.value
     )
     SELECT count(*)::int AS retired FROM gone`,
    [o.at, o.staleBefore ?? new Date(0), o.instanceIds ?? []],
  );
  return rows[0]?.retired ?? 0;
}

/** Every series summed over the fleet: live instances and the bases of those gone. */
export async function readFleetTotals(db: Queryable): Promise<TotalRow[]> {
  const { rows } = await db.query<TotalRow>(
    'SELECT metric, sample, labels, sum(value)::float8 AS value FROM metric_totals GROUP BY metric, sample, labels ORDER BY metric, sample, labels::text',
  );
  return rows;
}
