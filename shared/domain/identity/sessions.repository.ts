/** Refresh tokens (stored as SHA-256 hashes) grouped in families, and password-reset tokens. */
import type { Queryable } from '../../ports/database.port';

export interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export async function insertRefreshToken(
  db: Queryable,
  t: { id: string; familyId: string; userId: string; tokenHash: Buffer; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db.query('INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    t.id,
    t.familyId,
    t.userId,
    t.tokenHash,
    t.createdAt,
    t.expiresAt,
  ]);
}

/** Locks the token's row, so two concurrent refreshes with one token cannot both succeed. */
export async function findRefreshTokenForUpdate(db: Queryable, tokenHash: Buffer): Promise<RefreshTokenRow | undefined> {
  const { rows } = await db.query<RefreshTokenRow>(
    'SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
    [tokenHash],
  );
  return rows[0];
}

export async function markRefreshTokenUsed(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query('UPDATE refresh_tokens SET used_at = $2 WHERE id = $1', [id, at]);
}

/** Revokes every live token of a family; returns how many were live. */
export async function revokeFamily(db: Queryable, familyId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [familyId, at]);
  return rowCount ?? 0;
}

export async function revokeAllForUser(db: Queryable, userId: string, at: Date): Promise<number> {
  const { rowCount } = await db.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, at]);
  return rowCount ?? 0;
}

/**
 * The token of a reset request, new or replacing the one a failed delivery minted (one row per request,
 * the last link sent is the one that works); false when the request was used already.
 */
export async function savePasswordResetToken(
  db: Queryable,
  r: { id: string; userId: string; tokenHash: Buffer; createdAt: Date; expiresAt: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at
      WHERE password_resets.used_at IS NULL AND password_resets.user_id = EXCLUDED.user_id`,
    [r.id, r.userId, r.tokenHash, r.createdAt, r.expiresAt],
  );
  return (rowCount ?? 0) > 0;
}

/** Marks a live reset token used, atomically; returns its user, or undefined when unknown, used or expired. */
export async function consumePasswordReset(db: Queryable, tokenHash: Buffer, at: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    'UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id',
    [tokenHash, at],
  );
  return rows[0]?.user_id;
}
