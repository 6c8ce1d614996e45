/** Parameterised SQL over document_processing, and the document an uploaded object belongs to. */
import { numberOrNull, type Queryable } from '../../ports/database.port';
import type { DocumentFlag, DocumentProcessing } from './document-processing.types';

/** The document stored under an object name, with what its text is checked against: the declaration owner's name and tax id. */
export interface DocumentOfObject {
  id: string;
  declarationId: string;
  contentType: string;
  sizeBytes: number;
  ownerName: string;
  ownerTaxId: string | null;
}

export async function findDocumentByObjectName(db: Queryable, objectName: string): Promise<DocumentOfObject | undefined> {
  const { rows } = await db.query<{ id: string; declaration_id: string; content_type: string; size_bytes: number; full_name: string; tax_id: string | null }>(
    `SELECT d.id, d.declaration_id, d.content_type, d.size_bytes, u.full_name, u.tax_id
       FROM declaration_documents d JOIN declarations x ON x.id = d.declaration_id JOIN users u ON u.id = x.owner_id
      WHERE d.object_name = $1`,
    [objectName],
  );
  const r = rows[0];
  return r && { id: r.id, declarationId: r.declaration_id, contentType: r.content_type, sizeBytes: r.size_bytes, ownerName: r.full_name, ownerTaxId: r.tax_id };
}

export async function wasHandled(db: Queryable, subscription: string, eventId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM processed_events WHERE subscription = $1 AND event_id = $2', [subscription, eventId]);
  return (rowCount ?? 0) > 0;
}

/** Keeps the result of the newest upload: an older generation delivered late changes nothing. */
export async function saveProcessing(tx: Queryable, p: DocumentProcessing): Promise<void> {
  await tx.query(
    `INSERT INTO document_processing (document_id, object_generation, outcome, flags, detected_type, page_count, provider, extracted_text, quality, language, duration_ms, hints, detail, processed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (document_id) DO UPDATE SET
       object_generation = EXCLUDED.object_generation, outcome = EXCLUDED.outcome, flags = EXCLUDED.flags, detected_type = EXCLUDED.detected_type,
       page_count = EXCLUDED.page_count, provider = EXCLUDED.provider, extracted_text = EXCLUDED.extracted_text, quality = EXCLUDED.quality,
       language = EXCLUDED.language, duration_ms = EXCLUDED.duration_ms, hints = EXCLUDED.hints, detail = EXCLUDED.detail, processed_at = EXCLUDED.processed_at
     WHERE document_processing.object_generation <= EXCLUDED.object_generation`,
    [
      p.documentId,
      p.objectGeneration,
      p.outcome,
      p.flags,
      p.detectedType,
      p.pageCount,
      p.provider,
      p.text,
      p.quality,
      p.language,
      p.durationMs,
      JSON.stringify(p.hints),
      p.detail,
      p.processedAt,
    ],
  );
}

interface Row {
  document_id: string;
  object_generation: string;
  outcome: 'read' | 'flagged';
  flags: DocumentFlag[];
  detected_type: string | null;
  page_count: number | null;
  provider: 'vision' | 'tesseract' | null;
  extracted_text: string | null;
  quality: string | null;
  language: string | null;
  duration_ms: number;
  hints: DocumentProcessing['hints'];
  detail: string | null;
  processed_at: Date;
}

const toProcessing = (r: Row): DocumentProcessing => ({
  documentId: r.document_id,
  objectGeneration: r.object_generation,
  outcome: r.outcome,
  flags: r.flags,
  detectedType: r.detected_type,
  pageCount: r.page_count,
  provider: r.provider,
  text: r.extracted_text,
  quality: numberOrNull(r.quality),
  language: r.language,
  durationMs: r.duration_ms,
  hints: r.hints,
  detail: r.detail,
  processedAt: r.processed_at,
});

export async function findProcessing(db: Queryable, documentIds: readonly string[]): Promise<Map<string, DocumentProcessing>> {
  if (documentIds.length === 0) return new Map();
  const { rows } = await db.query<Row>('SELECT * FROM document_processing WHERE document_id = ANY($1::uuid[])', [documentIds]);
  return new Map(rows.map((r) => [r.document_id, toProcessing(r)]));
}

/** Per declaration: its documents, and how many of them the pipeline flagged (the review queue shows it). */
export async function documentFlagsByDeclaration(
  db: Queryable,
  declarationIds: readonly string[],
): Promise<Map<string, { documents: number; flagged: number; unprocessed: number }>> {
  if (declarationIds.length === 0) return new Map();
  const { rows } = await db.query<{ declaration_id: string; documents: number; flagged: number; unprocessed: number }>(
    `SELECT d.declaration_id, count(*)::int AS documents,
            count(*) FILTER (WHERE p.outcome = 'flagged')::int AS flagged,
            count(*) FILTER (WHERE p.document_id IS NULL)::int AS unprocessed
       FROM declaration_documents d LEFT JOIN document_processing p ON p.document_id = d.id
      WHERE d.declaration_id = ANY($1::uuid[])
      GROUP BY d.declaration_id`,
    [declarationIds],
  );
  return new Map(rows.map((r) => [r.declaration_id, { documents: r.documents, flagged: r.flagged, unprocessed: r.unprocessed }]));
}
