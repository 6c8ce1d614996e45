/**
 * The re-drive of accepted payment webhooks that never reached their effects: BANGE got its 200 and
 * will not send them again, so nothing else would ever apply that money. Run on a schedule
 * (POST /jobs/redrive-webhooks); idempotent, as apply-payment de-duplicates on the event id.
 */
import type { Database } from '../../ports/database.port';
import type { Logger } from '../../ports/logger.port';
import type { Clock } from '../../ports/clock.port';
import type { OutboxPublisher } from '../../ports/outbox.port';
import { takeStrandedWebhookEvents } from './webhook-redrive.repository';

/**
 * A webhook younger than this may still be on its way (Pub/Sub retries apply-payment for ~3 minutes
 * before dead-lettering: 5 attempts, back-off from 10 s); older and neither applied nor dead-lettered, it is stranded.
 */
export const REDRIVE_AFTER_MS = 15 * 60_000;
/** How far back to look: as long as Pub/Sub keeps dead letters (7 days); older ones are for reconciliation. */
export const REDRIVE_LOOKBACK_MS = 7 * 24 * 3600_000;

export async function redriveStrandedWebhooks(
  deps: { db: Database; clock: Clock; logger: Logger; publisher: OutboxPublisher },
  limit = 500,
): Promise<{ redriven: number }> {
  const now = deps.clock.now().getTime();
  const entries = await deps.db.transaction((tx) =>
    takeStrandedWebhookEvents(tx, new Date(now - REDRIVE_LOOKBACK_MS), new Date(now - REDRIVE_AFTER_MS), limit),
  );
  for (const e of entries) {
    const data = e.event.data as { webhookEventId?: string; reference?: string };
    deps.logger.warning('accepted webhook never applied: published again', {
      eventId: e.event.id,
      webhookEventId: data.webhookEventId,
      reference: data.reference,
    });
  }
  // Committed unpublished first: should this publish fail, the outbox sweeper sends them.
  await deps.publisher.publishCommitted(entries);
  return { redriven: entries.length };
}
