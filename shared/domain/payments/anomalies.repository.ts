/** Payment anomalies still open (a webhook for an unknown reference, an amount that does not match), newest first. */
import type { Queryable } from '../../ports/database.port';

export interface PaymentAnomaly {
  id: string;
  kind: string;
  paymentId: string | null;
  webhookEventId: string | null;
  detail: string;
  detectedAt: Date;
}

export async function listOpenAnomalies(db: Queryable, limit: number): Promise<PaymentAnomaly[]> {
  const { rows } = await db.query<{ id: string; kind: string; payment_id: string | null; webhook_event_id: string | null; detail: string; detected_at: Date }>(
    'SELECT * FROM payment_anomalies WHERE resolved_at IS NULL ORDER BY detected_at DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, paymentId: r.payment_id, webhookEventId: r.webhook_event_id, detail: r.detail, detectedAt: r.detected_at }));
}
