/** Parameterised SQL over everything about one person: the export's rows and the erasure's changes. */
import type { Queryable } from '../../ports/database.port';

/**
 * Per exported table, which rows are about the person: $1 is the user id, $2 the addresses messages
 * went to (email, phone as entered and in international form, push tokens). Every column but the withheld ones.
 */
const ROWS_ABOUT: Record<string, string> = {
  users: 'id = $1',
  refresh_tokens: 'user_id = $1',
  password_resets: 'user_id = $1',
  device_tokens: 'user_id = $1',
  idempotency_keys: 'principal_id = $1',
  declarations: 'owner_id = $1 OR claimed_by = $1',
  declaration_history: 'actor_id = $1 OR declaration_id IN (SELECT id FROM declarations WHERE owner_id = $1)',
  declaration_documents: 'uploaded_by = $1 OR declaration_id IN (SELECT id FROM declarations WHERE owner_id = $1)',
  document_processing: `document_id IN (SELECT doc.id FROM declaration_documents doc WHERE doc.uploaded_by = $1 OR doc.declaration_id IN (SELECT id FROM declarations WHERE owner_id = $1))`,
  payments: 'owner_id = $1',
  refunds: 'requested_by = $1 OR payment_id IN (SELECT id FROM payments WHERE owner_id = $1)',
  receipts: 'payment_id IN (SELECT id FROM payments WHERE owner_id = $1)',
  notification_deliveries: 'user_id = $1',
  notification_outbox: 'recipient = ANY($2::text[])',
  audit_log: "actor_id = $1 OR target = 'user:' || $1::uuid::text OR actor_email = ANY($2::text[])",
};

export const EXPORT_QUERIES_FOR = Object.keys(ROWS_ABOUT);

/** The rows of `table` about the person, as PostgreSQL renders them to JSON, without the withheld columns. */
export async function rowsAbout(
  db: Queryable,
  table: string,
  subject: { userId: string; addresses: string[] },
  withheld: readonly string[],
): Promise<Record<string, unknown>[]> {
  const where = ROWS_ABOUT[table];
  if (!where) throw new Error(`no export query for table ${table}`);
  // The table name comes from the fixed map above, never from a request.
  const { rows } = await db.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) - $3::text[] AS row FROM ${table} t WHERE $1::uuid IS NOT NULL AND $2::text[] IS NOT NULL AND (${where})`,
    [subject.userId, subject.addresses, [...withheld]],
  );
  return rows.map((r) => r.row);
}

/** Push tokens of the person's devices: the recipients of their push messages. */
export async function deviceTokensOf(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ token: string }>('SELECT token FROM device_tokens WHERE user_id = $1', [userId]);
  return rows.map((r) => r.token);
}

export interface ErasureSubject {
  id: string;
  email: string;
  phone: string | null;
  erasedAt: Date | null;
}

export async function lockUser(tx: Queryable, userId: string): Promise<ErasureSubject | undefined> {
  const { rows } = await tx.query<{ id: string; email: string; phone: string | null; erased_at: Date | null }>(
    'SELECT id, email, phone, erased_at FROM users WHERE id = $1 FOR UPDATE',
    [userId],
  );
  const r = rows[0];
  return r ? { id: r.id, email: r.email, phone: r.phone, erasedAt: r.erased_at } : undefined;
}

/** A declaration is a fiscal record once money was paid for it or, for a tax return, once it was filed. */
const FISCAL_RECORD = `(EXISTS (SELECT 1 FROM payments p WHERE p.declaration_id = d.id AND p.status IN ('succeeded', 'partially_refunded', 'refunded'))
  OR EXISTS (SELECT 1 FROM declaration_history h WHERE h.declaration_id = d.id AND h.action = 'submit'))`;

export interface FiscalFootprint {
  declarations: number;
  /** The latest payment or filing: the legal retention period runs from it. */
  lastAt: Date | null;
}

export async function fiscalFootprint(tx: Queryable, userId: string): Promise<FiscalFootprint> {
  const { rows } = await tx.query<{ n: number; last_at: Date | null }>(
    `SELECT count(*)::int AS n,
            greatest(
              (SELECT max(paid_at) FROM payments WHERE owner_id = $1 AND status IN ('succeeded', 'partially_refunded', 'refunded')),
              (SELECT max(h.at) FROM declaration_history h JOIN declarations x ON x.id = h.declaration_id WHERE x.owner_id = $1 AND h.action = 'submit')
            ) AS last_at
       FROM declarations d WHERE d.owner_id = $1 AND ${FISCAL_RECORD}`,
    [userId],
  );
  return { declarations: rows[0]?.n ?? 0, lastAt: rows[0]?.last_at ?? null };
}

/** Deletes what identifies the person outside fiscal records; returns the count per table. */
export async function deletePersonalRows(tx: Queryable, userId: string, addresses: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const run = async (table: string, sql: string, params: unknown[]) => {
    counts[table] = (await tx.query(sql, params)).rowCount ?? 0;
  };
  await run('refresh_tokens', 'DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
  await run('password_resets', 'DELETE FROM password_resets WHERE user_id = $1', [userId]);
  await run('device_tokens', 'DELETE FROM device_tokens WHERE user_id = $1', [userId]);
  await run('idempotency_keys', 'DELETE FROM idempotency_keys WHERE principal_id = $1', [userId]);
  await run('notification_deliveries', 'DELETE FROM notification_deliveries WHERE user_id = $1', [userId]);
  await run('notification_outbox', 'DELETE FROM notification_outbox WHERE recipient = ANY($1::text[])', [addresses]);
  // Password-reset requests name the address they were made for (topic notifications).
  await run('event_outbox', "DELETE FROM event_outbox WHERE topic = 'notifications' AND event->'data'->>'email' = ANY($1::text[])", [addresses]);
  return counts;
}

/** Documents of the person's declarations that are not fiscal records: their rows go, their objects are returned to delete. */
export async function deleteNonFiscalDocuments(tx: Queryable, userId: string): Promise<string[]> {
  const { rows } = await tx.query<{ object_name: string }>(
    `DELETE FROM declaration_documents WHERE declaration_id IN (SELECT d.id FROM declarations d WHERE d.owner_id = $1 AND NOT ${FISCAL_RECORD}) RETURNING object_name`,
    [userId],
  );
  return rows.map((r) => r.object_name);
}

/** What the person wrote in declarations that are not fiscal records, and the reasons given on them. */
export async function emptyNonFiscalDeclarations(tx: Queryable, userId: string): Promise<number> {
  await tx.query(
    `UPDATE declaration_history SET reason = NULL, comment = NULL WHERE (reason IS NOT NULL OR comment IS NOT NULL) AND declaration_id IN (SELECT d.id FROM declarations d WHERE d.owner_id = $1 AND NOT ${FISCAL_RECORD})`,
    [userId],
  );
  const { rowCount } = await tx.query(`UPDATE declarations d SET data = '{}' WHERE d.owner_id = $1 AND d.data <> '{}' AND NOT ${FISCAL_RECORD}`, [userId]);
  return rowCount ?? 0;
}

export const ERASED_NAME = 'Erased account';

/** Email, phone and password go now; name and NIF stay until `retainIdentityUntil` when set. */
export async function anonymiseUser(tx: Queryable, userId: string, at: Date, retainIdentityUntil: Date | null): Promise<void> {
  await tx.query(
    `UPDATE users SET email = 'erased-' || id::text || '@erased.invalid', password_hash = '!erased', phone = NULL, status = 'suspended',
            full_name = CASE WHEN $3::timestamptz IS NULL THEN $4 ELSE full_name END,
            tax_id = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE tax_id END,
            erased_at = $2, identity_retained_until = $3, updated_at = $2
      WHERE id = $1`,
    [userId, at, retainIdentityUntil, ERASED_NAME],
  );
}
