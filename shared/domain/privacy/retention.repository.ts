/** Parameterised SQL of the retention policies: each statement deletes (or clears) exactly what is past its period. */
import type { Queryable } from '../../ports/database.port';

const count = async (db: Queryable, sql: string, params: unknown[]) => (await db.query(sql, params)).rowCount ?? 0;

/** Responses kept to answer a retried request: 24 hours (expires_at). */
export const deleteExpiredIdempotencyKeys = (db: Queryable, now: Date) => count(db, 'DELETE FROM idempotency_keys WHERE expires_at <= $1', [now]);

/**
 * Sessions: a row stays while its family may still present it (reuse detection), so only rows
 * expired or revoked for longer than `graceDays` go.
 */
export const deleteSpentSessions = (db: Queryable, now: Date, graceDays: number) =>
  count(
    db,
    `DELETE FROM refresh_tokens WHERE expires_at < $1::timestamptz - make_interval(days => $2) OR revoked_at < $1::timestamptz - make_interval(days => $2)`,
    [now, graceDays],
  );

/** Reset tokens: gone a day after they expired or were used. */
export const deleteSpentResetTokens = (db: Queryable, now: Date) =>
  count(db, `DELETE FROM password_resets WHERE expires_at < $1::timestamptz - interval '1 day' OR used_at < $1::timestamptz - interval '1 day'`, [now]);

export const deletePublishedEvents = (db: Queryable, now: Date, days: number) =>
  count(db, 'DELETE FROM event_outbox WHERE published_at < $1::timestamptz - make_interval(days => $2)', [now, days]);

export const deleteProcessedEvents = (db: Queryable, now: Date, days: number) =>
  count(db, 'DELETE FROM processed_events WHERE processed_at < $1::timestamptz - make_interval(days => $2)', [now, days]);

/** Dead letters once replayed; open ones stay until someone replays them. */
export const deleteReplayedDeadLetters = (db: Queryable, now: Date, days: number) =>
  count(db, 'DELETE FROM dead_letters WHERE replayed_at < $1::timestamptz - make_interval(days => $2)', [now, days]);

export const deleteStaleNotificationClaims = (db: Queryable, now: Date) =>
  count(db, `DELETE FROM notification_claims WHERE claimed_until < $1::timestamptz - interval '1 day'`, [now]);

export const deleteOldNotificationDeliveries = (db: Queryable, now: Date, days: number) =>
  count(db, 'DELETE FROM notification_deliveries WHERE at < $1::timestamptz - make_interval(days => $2)', [now, days]);

export const deleteOldOutboxMessages = (db: Queryable, now: Date, days: number) =>
  count(db, 'DELETE FROM notification_outbox WHERE created_at < $1::timestamptz - make_interval(days => $2)', [now, days]);

/** Raw bodies of settled webhooks (accepted, or replayed) past the investigation window; unresolved ones stay for finance. */
export const clearSettledWebhookBodies = (db: Queryable, now: Date, days: number) =>
  count(
    db,
    `UPDATE webhook_events SET raw_body = NULL, raw_body_purged_at = $1
      WHERE raw_body IS NOT NULL AND received_at < $1::timestamptz - make_interval(days => $2) AND (status = 'accepted' OR replayed_at IS NOT NULL)`,
    [now, days],
  );

const CLOSED = `('completed', 'rejected', 'cancelled', 'expired', 'refunded')`;
const FISCAL_RECORD = `(EXISTS (SELECT 1 FROM payments p WHERE p.declaration_id = d.id AND p.status IN ('succeeded', 'partially_refunded', 'refunded'))
  OR EXISTS (SELECT 1 FROM declaration_history h WHERE h.declaration_id = d.id AND h.action = 'submit'))`;

export interface DueDocument {
  id: string;
  objectName: string;
}

/**
 * Documents of closed declarations past their period: fiscal records `fiscalYears` after closing,
 * the others `days` after closing (the declaration's last change).
 */
export async function findDueDocuments(db: Queryable, now: Date, fiscalYears: number, days: number, limit: number): Promise<DueDocument[]> {
  const { rows } = await db.query<{ id: string; object_name: string }>(
    `SELECT doc.id, doc.object_name FROM declaration_documents doc JOIN declarations d ON d.id = doc.declaration_id
      WHERE d.status IN ${CLOSED}
        AND d.updated_at < CASE WHEN ${FISCAL_RECORD} THEN $1::timestamptz - make_interval(years => $2) ELSE $1::timestamptz - make_interval(days => $3) END
      ORDER BY doc.id LIMIT $4`,
    [now, fiscalYears, days, limit],
  );
  return rows.map((r) => ({ id: r.id, objectName: r.object_name }));
}

export const deleteDocumentRows = (db: Queryable, ids: string[]) => count(db, 'DELETE FROM declaration_documents WHERE id = ANY($1::uuid[])', [ids]);

/**
 * Erased accounts whose fiscal records' period ended: their receipts (signed, so deleted whole),
 * what they declared and the reasons on their files, then their name and NIF.
 */
export async function forgetRetainedIdentities(db: Queryable, now: Date, erasedName: string): Promise<number> {
  const due = `SELECT id FROM users WHERE identity_retained_until <= $1`;
  await db.query(`DELETE FROM receipts WHERE payment_id IN (SELECT id FROM payments WHERE owner_id IN (${due}))`, [now]);
  await db.query(
    `UPDATE declaration_history SET reason = NULL, comment = NULL WHERE (reason IS NOT NULL OR comment IS NOT NULL) AND declaration_id IN (SELECT id FROM declarations WHERE owner_id IN (${due}))`,
    [now],
  );
  await db.query(`UPDATE declarations SET data = '{}' WHERE data <> '{}' AND owner_id IN (${due})`, [now]);
  return count(db, `UPDATE users SET full_name = $2, tax_id = NULL, identity_retained_until = NULL, updated_at = $1 WHERE identity_retained_until <= $1`, [
    now,
    erasedName,
  ]);
}
