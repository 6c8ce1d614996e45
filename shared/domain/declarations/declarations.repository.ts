/** Parameterised SQL over declarations, their history and documents. */
import { findOne, numberOrNull, type Queryable } from '../../ports/database.port';
import type { DeclarationStatus } from './declaration-state-machine';
import type { Declaration, DeclarationDocument, HistoryEntry } from './declaration.types';

interface DeclarationRow {
  id: string;
  reference: string;
  kind: Declaration['kind'];
  status: DeclarationStatus;
  owner_id: string;
  ministry_code: string;
  service_code: string | null;
  fee_type: Declaration['feeType'];
  catalog_version: number | null;
  quote_expires_at: Date | null;
  tax_type: string | null;
  period: string | null;
  declared_amount: string | null;
  validated_amount: string | null;
  amount: string;
  currency: 'XAF';
  data: Record<string, unknown>;
  deadline: string | null;
  queued_at: Date | null;
  claimed_by: string | null;
  claim_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, reference, kind, status, owner_id, ministry_code, service_code, fee_type, catalog_version, quote_expires_at,
  tax_type, period, declared_amount, validated_amount, amount, currency, data, to_char(deadline, 'YYYY-MM-DD') AS deadline,
  queued_at, claimed_by, claim_expires_at, created_at, updated_at`;

function toDeclaration(r: DeclarationRow): Declaration {
  return {
    id: r.id,
    reference: r.reference,
    kind: r.kind,
    status: r.status,
    ownerId: r.owner_id,
    ministry: r.ministry_code,
    serviceCode: r.service_code,
    feeType: r.fee_type,
    catalogVersion: r.catalog_version,
    quoteExpiresAt: r.quote_expires_at,
    taxType: r.tax_type,
    period: r.period,
    declaredAmount: numberOrNull(r.declared_amount),
    validatedAmount: numberOrNull(r.validated_amount),
    amount: Number(r.amount),
    currency: r.currency,
    data: r.data,
    deadline: r.deadline,
    queuedAt: r.queued_at,
    claimedBy: r.claimed_by,
    claimExpiresAt: r.claim_expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function nextReferenceNumber(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT nextval('declaration_reference_seq') AS n");
  return Number(rows[0]!.n);
}

export async function insertDeclaration(db: Queryable, d: Declaration): Promise<void> {
  await db.query(
    `INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, service_code, fee_type, catalog_version, quote_expires_at,
       tax_type, period, declared_amount, validated_amount, amount, currency, data, deadline, queued_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [
      d.id,
      d.reference,
      d.kind,
      d.status,
      d.ownerId,
      d.ministry,
      d.serviceCode,
      d.feeType,
      d.catalogVersion,
      d.quoteExpiresAt,
      d.taxType,
      d.period,
      d.declaredAmount,
      d.validatedAmount,
      d.amount,
      d.currency,
      JSON.stringify(d.data),
      d.deadline,
      d.queuedAt,
      d.createdAt,
      d.updatedAt,
    ],
  );
}

export async function findDeclaration(db: Queryable, id: string, lock = false): Promise<Declaration | undefined> {
  return findOne(
    db,
    toDeclaration,
    `SELECT ${COLUMNS} FROM declarations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
    lock ? 'declaration_lock' : 'declaration_find',
  );
}

export type DeclarationPatch = Partial<Pick<Declaration, 'status' | 'validatedAmount' | 'amount' | 'queuedAt' | 'claimedBy' | 'claimExpiresAt'>>;

export async function updateDeclaration(db: Queryable, id: string, patch: DeclarationPatch, at: Date): Promise<Declaration> {
  const columns: Record<keyof DeclarationPatch, string> = {
    status: 'status',
    validatedAmount: 'validated_amount',
    amount: 'amount',
    queuedAt: 'queued_at',
    claimedBy: 'claimed_by',
    claimExpiresAt: 'claim_expires_at',
  };
  const entries = Object.entries(patch) as [keyof DeclarationPatch, unknown][];
  const sets = entries.map(([k], i) => `${columns[k]} = $${i + 3}`);
  const { rows } = await db.query<DeclarationRow>(`UPDATE declarations SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, [
    id,
    at,
    ...entries.map(([, v]) => v),
  ]);
  return toDeclaration(rows[0]!);
}

export async function insertHistory(db: Queryable, declarationId: string, h: HistoryEntry): Promise<void> {
  await db.query(
    'INSERT INTO declaration_history (declaration_id, from_status, to_status, action, actor_id, actor_role, reason, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [declarationId, h.from, h.to, h.action, h.by, h.byRole, h.reason, h.comment, h.at],
    'declaration_history_insert',
  );
}

export async function findHistory(db: Queryable, declarationId: string): Promise<HistoryEntry[]> {
  const { rows } = await db.query<{
    from_status: DeclarationStatus | null;
    to_status: DeclarationStatus;
    action: string;
    actor_id: string | null;
    actor_role: string;
    reason: string | null;
    comment: string | null;
    at: Date;
  }>('SELECT from_status, to_status, action, actor_id, actor_role, reason, comment, at FROM declaration_history WHERE declaration_id = $1 ORDER BY id', [
    declarationId,
  ]);
  return rows.map((r) => ({
    from: r.from_status,
    to: r.to_status,
    action: r.action,
    at: r.at,
    by: r.actor_id,
    byRole: r.actor_role,
    reason: r.reason,
    comment: r.comment,
  }));
}

export interface DeclarationFilter {
  ownerId?: string;
  ministries?: string[];
  status?: DeclarationStatus;
  kind?: Declaration['kind'];
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listDeclarations(db: Queryable, f: DeclarationFilter, page: { after?: { createdAt: string; id: string }; limit: number }) {
  const { rows } = await db.query<DeclarationRow & { total: string }>(
    `WITH matching AS (
       SELECT ${COLUMNS} FROM declarations
        WHERE ($1::uuid IS NULL OR owner_id = $1) AND ($2::text[] IS NULL OR ministry_code = ANY($2))
          AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR kind = $4))
     SELECT t.total, p.* FROM (SELECT count(*) AS total FROM matching) t
     LEFT JOIN LATERAL (
       SELECT * FROM matching WHERE $5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid) ORDER BY created_at DESC, id DESC LIMIT $7
     ) p ON true`,
    [f.ownerId ?? null, f.ministries ?? null, f.status ?? null, f.kind ?? null, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit],
  );
  return { total: Number(rows[0]?.total ?? 0), items: rows.filter((r) => r.id !== null).map(toDeclaration) };
}

/** The review queue of some ministries, by priority: deadline, then amount, then waiting time. */
export async function listQueue(db: Queryable, ministries: string[], statuses: DeclarationStatus[], limit: number): Promise<Declaration[]> {
  const { rows } = await db.query<DeclarationRow>(
    `SELECT ${COLUMNS} FROM declarations
      WHERE ministry_code = ANY($1) AND status = ANY($2)
      ORDER BY deadline ASC NULLS LAST, amount DESC, queued_at ASC
      LIMIT $3`,
    [ministries, statuses, limit],
  );
  return rows.map(toDeclaration);
}

export async function findExpiredClaims(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM declarations WHERE status = 'in_review' AND claim_expires_at <= $1 ORDER BY claim_expires_at LIMIT $2",
    [now, limit],
  );
  return rows.map((r) => r.id);
}

export async function findExpiredQuotes(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM declarations WHERE status = 'awaiting_payment' AND quote_expires_at <= $1 ORDER BY quote_expires_at LIMIT $2",
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Declarations waiting in review (queued or claimed) since `warnBefore` that the service-levels job
 * has something to do with: not yet warned during this stay in the queue, or waiting since `escalateBefore`.
 */
export async function findReviewsPastWarning(db: Queryable, warnBefore: Date, escalateBefore: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT d.id FROM declarations d
      WHERE d.status IN ('paid', 'submitted', 'in_review')
        AND ((d.kind = 'service_fee' AND d.status <> 'submitted') OR (d.kind = 'tax_return' AND d.status <> 'paid'))
        AND COALESCE(d.queued_at, d.created_at) <= $1
        AND (COALESCE(d.queued_at, d.created_at) <= $2
             OR NOT EXISTS (SELECT 1 FROM declaration_history h
                             WHERE h.declaration_id = d.id AND h.action = 'sla_warning' AND h.at > COALESCE(d.queued_at, d.created_at)))
      ORDER BY COALESCE(d.queued_at, d.created_at) LIMIT $3`,
    [warnBefore, escalateBefore, limit],
  );
  return rows.map((r) => r.id);
}

/** Whether the declaration got its service-level warning since it entered the queue at `since`. */
export async function warnedSince(db: Queryable, declarationId: string, since: Date): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM declaration_history WHERE declaration_id = $1 AND action = 'sla_warning' AND at > $2 LIMIT 1", [
    declarationId,
    since,
  ]);
  return (rowCount ?? 0) > 0;
}

/** The active agents or supervisors of a ministry, whom its review alerts go to. */
export async function findMinistryReviewers(db: Queryable, ministry: string, role: 'agent' | 'supervisor'): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM users WHERE role = $2 AND status = 'active' AND $1 = ANY(ministries) ORDER BY id", [
    ministry,
    role,
  ]);
  return rows.map((r) => r.id);
}

/** The threshold at or below which a paid service fee of the ministry is approved at once (0 = never); undefined for an unknown ministry. */
export async function findAutoApprovalThreshold(db: Queryable, ministry: string): Promise<number | undefined> {
  const { rows } = await db.query<{ t: string }>(
    'SELECT auto_approval_threshold AS t FROM ministries WHERE code = $1',
    [ministry],
    'ministry_auto_approval_threshold',
  );
  return rows[0] ? Number(rows[0].t) : undefined;
}

/** Sets a ministry's auto-approval threshold (locking its row); returns the previous value, undefined for an unknown ministry. */
export async function setAutoApprovalThreshold(tx: Queryable, ministry: string, threshold: number): Promise<number | undefined> {
  const { rows } = await tx.query<{ t: string }>(
    `UPDATE ministries m SET auto_approval_threshold = $2 FROM (SELECT code, auto_approval_threshold FROM ministries WHERE code = $1 FOR UPDATE) old
      WHERE m.code = old.code RETURNING old.auto_approval_threshold AS t`,
    [ministry, threshold],
  );
  return rows[0] ? Number(rows[0].t) : undefined;
}

export async function autoApprovalThreshold(db: Queryable, ministry: string): Promise<number> {
  const { rows } = await db.query<{ t: string }>('SELECT auto_approval_threshold AS t FROM ministries WHERE code = $1', [ministry]);
  return Number(rows[0]?.t ?? 0);
}

export async function insertDocument(db: Queryable, d: DeclarationDocument): Promise<void> {
  await db.query(
    'INSERT INTO declaration_documents (id, declaration_id, filename, content_type, size_bytes, object_name, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [d.id, d.declarationId, d.filename, d.contentType, d.sizeBytes, d.objectName, d.uploadedBy, d.createdAt],
  );
}

export async function findDocuments(db: Queryable, declarationId: string): Promise<DeclarationDocument[]> {
  const { rows } = await db.query<{
    id: string;
    declaration_id: string;
    filename: string;
    content_type: string;
    size_bytes: number;
    object_name: string;
    uploaded_by: string;
    created_at: Date;
  }>('SELECT * FROM declaration_documents WHERE declaration_id = $1 ORDER BY created_at, id', [declarationId]);
  return rows.map((r) => ({
    id: r.id,
    declarationId: r.declaration_id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    objectName: r.object_name,
    uploadedBy: r.uploaded_by,
    createdAt: r.created_at,
  }));
}
