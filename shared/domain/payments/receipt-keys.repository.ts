/** The public keys that ever signed a receipt (migration 0010): recorded with each receipt, never removed. */
import type { Queryable } from '../../ports/database.port';
import type { PublicJwk } from '../identity/key-ring';

/**
 * Records the public key unless its kid is recorded already, in the caller's transaction. Answers
 * `inserted` when this transaction added the row (visible to others only after its commit, gone if
 * it rolls back), or `committed` when a committed row with the same key was there already. A row under the same kid but
 * another key is refused: the receipts that kid signed would stop verifying.
 */
export async function recordReceiptKey(tx: Queryable, jwk: PublicJwk, at: Date): Promise<'inserted' | 'committed'> {
  const { kty, crv, x, kid, alg, use } = jwk; // public members only, whatever the object carries
  const publicJwk = { kty, crv, x, kid, alg, use };
  const { rowCount } = await tx.query('INSERT INTO receipt_keys (kid, public_jwk, first_used_at) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING', [
    kid,
    JSON.stringify(publicJwk),
    at,
  ]);
  if (rowCount === 1) return 'inserted';
  // Under READ COMMITTED the conflicting row is either committed (a concurrent insert was waited
  // for, and this statement sees it) or this very transaction's own (it recorded the key earlier).
  const { rows } = await tx.query<{ public_jwk: PublicJwk; mine: boolean }>(
    'SELECT public_jwk, xmin = pg_current_xact_id()::xid AS mine FROM receipt_keys WHERE kid = $1',
    [kid],
  );
  const stored = rows[0];
  if (!stored || stored.public_jwk.kty !== kty || stored.public_jwk.crv !== crv || stored.public_jwk.x !== x) {
    throw new Error(`receipt key ${kid} is recorded with other key material: a new signing key needs a new kid`);
  }
  return stored.mine ? 'inserted' : 'committed';
}

/** Every key that ever signed a receipt, oldest first. */
export async function listReceiptKeys(db: Queryable): Promise<PublicJwk[]> {
  const { rows } = await db.query<{ public_jwk: PublicJwk }>('SELECT public_jwk FROM receipt_keys ORDER BY first_used_at, kid');
  return rows.map((r) => r.public_jwk);
}
