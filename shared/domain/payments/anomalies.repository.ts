/** Payment anomalies (a webhook for an unknown reference, an amount that does not match): recorded for finance, listed while open. */
import type { Queryable } from '../../ports/database.port';
import type { IdGenerator } from '../../ports/ids.port';

export interface PaymentAnomaly {
  id: string;
  kind: string;
  paymentId: string | null;
  webhookEventId: string | null;
  detail: string;
  detectedAt: Date;
}

/** Open anomalies, newest first. */
export async function listOpenAnomalies(db: Queryable, limit: number): Promise<PaymentAnomaly[]> {
  const { rows } = await db.query<{ id: string; kind: string; payment_id: string | null; webhook_event_id: string | null; detail: string; detected_at: Date }>(
    'SELECT * FROM payment_anomalies WHERE resolved_at IS NULL ORDER BY detected_at DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    paymentId: r.payment_id,
    webhookEventId: r.webhook_event_id,
    detail: r.detail,
    detectedAt: r.detected_at,
  }));
}

export async function recordAnomaly(
  tx: Queryable,
  ids: IdGenerator,
  at: Date,
  a: { kind: string; paymentId?: string | null; webhookEventId?: string | null; detail: string },
): Promise<void> {
  await tx.query('INSERT INTO payment_anomalies (id, kind, payment_id, webhook_event_id, detail, detected_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    ids.uuid(),
    a.kind,
    a.paymentId ?? null,
    a.webhookEventId ?? null,
    a.detail,
    at,
  ]);
}
