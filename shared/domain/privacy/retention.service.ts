/** The retention policies of docs/PRIVACY.md applied at a point in time, each counted and recorded in the audit log. */
import type { Database } from '../../ports/database.port';
import type { Clock } from '../../ports/clock.port';
import type { ObjectStorage } from '../../ports/object-storage.port';
import type { AuditLog } from '../audit/audit-log';
import { ERASED_NAME } from './personal-data.repository';
import * as repo from './retention.repository';

export interface RetentionSettings {
  fiscalYears: number;
  webhookBodyDays: number;
  notificationDays: number;
  eventDays: number;
  documentDays: number;
}

/** Days a revoked or expired session row stays, so a late reuse of its token is still recognised. */
export const SESSION_GRACE_DAYS = 30;
const DOCUMENT_BATCH = 200;

export type RetentionCounts = Record<
  | 'idempotency_keys'
  | 'sessions'
  | 'reset_tokens'
  | 'published_events'
  | 'processed_events'
  | 'replayed_dead_letters'
  | 'notification_claims'
  | 'notification_deliveries'
  | 'notification_outbox'
  | 'webhook_bodies'
  | 'retained_identities'
  | 'documents',
  number
>;

export function createRetentionService(deps: { db: Database; clock: Clock; storage: ObjectStorage; audit: AuditLog; settings: RetentionSettings }) {
  const { db, settings: s } = deps;
  return {
    /** Runs every policy once; one audit entry carries every count. Safe to run again: what is gone is not counted twice. */
    async apply(): Promise<RetentionCounts> {
      const now = deps.clock.now();
      const counts = await db.transaction(async (tx) => {
        const c: Omit<RetentionCounts, 'documents'> = {
          idempotency_keys: await repo.deleteExpiredIdempotencyKeys(tx, now),
          sessions: await repo.deleteSpentSessions(tx, now, SESSION_GRACE_DAYS),
          reset_tokens: await repo.deleteSpentResetTokens(tx, now),
          published_events: await repo.deletePublishedEvents(tx, now, s.eventDays),
          processed_events: await repo.deleteProcessedEvents(tx, now, s.eventDays),
          replayed_dead_letters: await repo.deleteReplayedDeadLetters(tx, now, s.eventDays),
          notification_claims: await repo.deleteStaleNotificationClaims(tx, now),
          notification_deliveries: await repo.deleteOldNotificationDeliveries(tx, now, s.notificationDays),
          notification_outbox: await repo.deleteOldOutboxMessages(tx, now, s.notificationDays),
          webhook_bodies: await repo.clearSettledWebhookBodies(tx, now, s.webhookBodyDays),
          retained_identities: await repo.forgetRetainedIdentities(tx, now, ERASED_NAME),
        };
        return c;
      });
      // Documents: the object first, then its row, batch by batch; a crash in between leaves a row the next run finishes.
      let documents = 0;
      for (;;) {
        const due = await repo.findDueDocuments(db, now, s.fiscalYears, s.documentDays, DOCUMENT_BATCH);
        if (due.length === 0) break;
        for (const d of due) await deps.storage.remove(d.objectName);
        documents += await repo.deleteDocumentRows(
          db,
          due.map((d) => d.id),
        );
        if (due.length < DOCUMENT_BATCH) break;
      }
      const all: RetentionCounts = { ...counts, documents };
      await db.transaction((tx) =>
        deps.audit.record(tx, {
          action: 'retention.applied',
          target: 'retention',
          details: { at: now.toISOString(), deleted: all, settings: { ...s, sessionGraceDays: SESSION_GRACE_DAYS } },
        }),
      );
      return all;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
