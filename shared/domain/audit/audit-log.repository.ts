/** The audit_log table: an append-only hash chain, appended to under one advisory lock. */
import type { Queryable } from '../../ports/database.port';

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
}

// Serialises appends so each row chains to the one before it.
const APPEND_LOCK = 7_302_114_578;

/** Takes the append lock for the caller's transaction and returns the chain's last link. */
export async function lockAndFindLastEntry(tx: Queryable): Promise<{ id: number; hash: Buffer } | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
  const { rows } = await tx.query<{ id: string; hash: Buffer }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  return rows[0] ? { id: Number(rows[0].id), hash: rows[0].hash } : undefined;
}

/** One entry of the chain, as stored and as read back. */
export interface AuditEntry {
  id: number;
  at: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export async function insertAuditEntry(tx: Queryable, e: AuditEntry, prevHash: Buffer, hash: Buffer): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (id, at, actor_id, actor_email, action, target, ip, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [e.id, e.at, e.actorId, e.actorEmail, e.action, e.target, e.ip, JSON.stringify(e.details), prevHash, hash],
  );
}

/** Newest first, optionally before an id and of one action. */
export async function findAuditRows(db: Queryable, page: { beforeId?: number; limit: number; action?: string }): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) AND ($2::text IS NULL OR action = $2) ORDER BY id DESC LIMIT $3`,
    [page.beforeId ?? null, page.action ?? null, page.limit],
  );
  return rows;
}

/** In id order from an id: the chain as its verifier walks it. */
export async function findAuditRowsFrom(db: Queryable, fromId: number, limit: number): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>('SELECT * FROM audit_log WHERE id >= $1 ORDER BY id LIMIT $2', [fromId, limit]);
  return rows;
}
