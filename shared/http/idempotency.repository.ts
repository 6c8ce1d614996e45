/** The idempotency_keys table: one row per (principal, operation, key), holding the first answer for 24 h. */
import type { Queryable } from '../ports/database.port';

export interface IdempotencyKeyRef {
  principalId: string;
  operation: string;
  key: string;
}

export interface StoredAnswer {
  requestHash: Buffer;
  /** Null while the first request is still running. */
  statusCode: number | null;
  response: unknown;
}

export async function deleteExpiredKey(db: Queryable, k: IdempotencyKeyRef, now: Date): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND operation = $2 AND key = $3 AND expires_at <= $4', [
    k.principalId,
    k.operation,
    k.key,
    now,
  ]);
}

/** True when the key was free and is now taken by this request. */
export async function claimKey(db: Queryable, k: IdempotencyKeyRef, requestHash: Buffer, now: Date, expires: Date): Promise<boolean> {
  const inserted = await db.query(
    'INSERT INTO idempotency_keys (principal_id, operation, key, request_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    [k.principalId, k.operation, k.key, requestHash, now, expires],
  );
  return inserted.rowCount === 1;
}

export async function findStoredAnswer(db: Queryable, k: IdempotencyKeyRef): Promise<StoredAnswer | undefined> {
  const { rows } = await db.query<{ request_hash: Buffer; status_code: number | null; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE principal_id = $1 AND operation = $2 AND key = $3',
    [k.principalId, k.operation, k.key],
  );
  const row = rows[0];
  return row ? { requestHash: row.request_hash, statusCode: row.status_code, response: row.response } : undefined;
}

export async function storeAnswer(db: Queryable, k: IdempotencyKeyRef, status: number, response: unknown): Promise<void> {
  await db.query('UPDATE idempotency_keys SET status_code = $4, response = $5 WHERE principal_id = $1 AND operation = $2 AND key = $3', [
    k.principalId,
    k.operation,
    k.key,
    status,
    JSON.stringify(response),
  ]);
}

/** Frees a key whose request failed before answering. */
export async function releaseUnansweredKey(db: Queryable, k: IdempotencyKeyRef): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND operation = $2 AND key = $3 AND status_code IS NULL', [
    k.principalId,
    k.operation,
    k.key,
  ]);
}
