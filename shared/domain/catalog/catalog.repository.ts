/** Parameterised SQL over the catalog tables. */
import { findOne, numberOrNull, type Queryable } from '../../ports/database.port';
import type { ServiceCounts, ServiceFilter, ServiceRecord, Taxonomy } from './catalog.types';

const SERVICE_COLUMNS = `code, ministry_code, sector_code, category_code, name_es, name_fr, name_en,
  expedition_amount, renewal_amount, source_expedition_amount::text AS source_expedition_amount,
  source_renewal_amount::text AS source_renewal_amount, required_documents, flags, same_name_in_category,
  exact_duplicate_of, active, payable_online, catalog_version`;

interface ServiceRow {
  code: string;
  ministry_code: string;
  sector_code: string;
  category_code: string;
  name_es: string;
  name_fr: string;
  name_en: string;
  expedition_amount: string | null;
  renewal_amount: string | null;
  source_expedition_amount: string;
  source_renewal_amount: string;
  required_documents: ServiceRecord['requiredDocuments'];
  flags: string[];
  same_name_in_category: string[];
  exact_duplicate_of: string[];
  active: boolean;
  payable_online: boolean;
  catalog_version: number;
}

function toRecord(r: ServiceRow): ServiceRecord {
  return {
    code: r.code,
    ministry: r.ministry_code,
    sector: r.sector_code,
    category: r.category_code,
    names: { es: r.name_es, fr: r.name_fr, en: r.name_en },
    expeditionAmount: numberOrNull(r.expedition_amount),
    renewalAmount: numberOrNull(r.renewal_amount),
    sourceExpeditionAmount: r.source_expedition_amount,
    sourceRenewalAmount: r.source_renewal_amount,
    requiredDocuments: r.required_documents,
    flags: r.flags,
    sameNameInCategory: r.same_name_in_category,
    exactDuplicateOf: r.exact_duplicate_of,
    active: r.active,
    payableOnline: r.payable_online,
    catalogVersion: r.catalog_version,
  };
}

function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function searchWords(search: string | undefined): string[] | null {
  const words = search?.trim().split(/\s+/).filter(Boolean).map(escapeLike) ?? [];
  return words.length ? words : null;
}

export async function findServices(
  db: Queryable,
  filter: ServiceFilter,
  page: { after?: string; limit: number },
): Promise<{ total: number; services: ServiceRecord[] }> {
  // Only codes are collected to count the matches (wide rows spilled to disk on a large catalog);
  // the page is then read through the primary key. The words are folded once, not once per row.
  const { rows } = await db.query<ServiceRow & { total: string }>(
    `WITH patterns AS (SELECT array_agg('%' || taxasge_fold(w) || '%') AS any_of FROM unnest($1::text[]) w),
     matching AS (
       SELECT s.code FROM fiscal_services s, patterns
        WHERE s.active
          AND ($1::text[] IS NULL OR s.code = upper(btrim($2::text)) OR s.search_text LIKE ALL (patterns.any_of))
          AND ($3::text IS NULL OR s.ministry_code = $3)
          AND ($4::text IS NULL OR s.sector_code = $4)
          AND ($5::text IS NULL OR s.category_code = $5)
     )
     SELECT t.total, p.*
       FROM (SELECT count(*) AS total FROM matching) t
       LEFT JOIN LATERAL (
         SELECT ${SERVICE_COLUMNS} FROM fiscal_services
          WHERE code IN (SELECT code FROM matching WHERE $6::text IS NULL OR code > $6 ORDER BY code LIMIT $7)
          ORDER BY code
       ) p ON true`,
    [
      searchWords(filter.search),
      filter.search ?? null,
      filter.ministry ?? null,
      filter.sector ?? null,
      filter.category ?? null,
      page.after ?? null,
      page.limit,
    ],
  );
  const total = Number(rows[0]?.total ?? 0);
  return { total, services: rows.filter((r) => r.code !== null).map(toRecord) };
}

export async function findServiceByCode(db: Queryable, code: string): Promise<ServiceRecord | undefined> {
  return findOne(db, toRecord, `SELECT ${SERVICE_COLUMNS} FROM fiscal_services WHERE code = $1`, [code]);
}

interface NodeRow {
  code: string;
  parent: string | null;
  name_es: string;
  name_fr: string;
  name_en: string;
}

export async function loadTaxonomy(db: Queryable): Promise<Taxonomy> {
  const [version, ministries, sectors, categories] = await Promise.all([
    db.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM catalog_versions'),
    db.query<NodeRow>('SELECT code, NULL AS parent, name_es, name_fr, name_en FROM ministries ORDER BY code'),
    db.query<NodeRow>('SELECT code, ministry_code AS parent, name_es, name_fr, name_en FROM sectors ORDER BY code'),
    db.query<NodeRow>('SELECT code, sector_code AS parent, name_es, name_fr, name_en FROM categories ORDER BY code'),
  ]);
  const names = (r: NodeRow) => ({ es: r.name_es, fr: r.name_fr, en: r.name_en });
  return {
    version: version.rows[0]!.version,
    ministries: ministries.rows.map((m) => ({
      code: m.code,
      names: names(m),
      sectors: sectors.rows.filter((s) => s.parent === m.code).map((s) => s.code),
    })),
    sectors: sectors.rows.map((s) => ({
      code: s.code,
      names: names(s),
      ministry: s.parent!,
      categories: categories.rows.filter((c) => c.parent === s.code).map((c) => c.code),
    })),
    categories: categories.rows.map((c) => ({ code: c.code, names: names(c), sector: c.parent! })),
  };
}

/** Service counts per category; ministries and sectors are sums over their categories. */
export async function countServicesByCategory(db: Queryable): Promise<ServiceCounts[]> {
  const { rows } = await db.query<{ code: string; services: string; payable: string }>(
    `SELECT category_code AS code, count(*) AS services, count(*) FILTER (WHERE payable_online) AS payable
       FROM fiscal_services WHERE active GROUP BY category_code`,
  );
  return rows.map((r) => ({ code: r.code, services: Number(r.services), payableOnline: Number(r.payable) }));
}

export async function findServicesNotPayable(db: Queryable, page: { after?: string; limit: number }): Promise<{ total: number; services: ServiceRecord[] }> {
  const { rows } = await db.query<ServiceRow & { total: string }>(
    `WITH matching AS (SELECT ${SERVICE_COLUMNS} FROM fiscal_services WHERE active AND NOT payable_online)
     SELECT t.total, p.* FROM (SELECT count(*) AS total FROM matching) t
     LEFT JOIN LATERAL (SELECT * FROM matching WHERE $1::text IS NULL OR code > $1 ORDER BY code LIMIT $2) p ON true`,
    [page.after ?? null, page.limit],
  );
  return { total: Number(rows[0]?.total ?? 0), services: rows.filter((r) => r.code !== null).map(toRecord) };
}

export interface ServiceEdit {
  expeditionAmount?: number | null | undefined;
  renewalAmount?: number | null | undefined;
  names?: Partial<Record<'es' | 'fr' | 'en', string>> | undefined;
  active?: boolean | undefined;
  flags?: string[] | undefined;
}

/** Opens the next catalog version; callers hold the transaction so version and edit commit together. */
export async function createCatalogVersion(db: Queryable, note: string, at: Date): Promise<number> {
  // Catalog edits are rare: serialising them keeps versions gap-free and ordered.
  await db.query('SELECT pg_advisory_xact_lock(7302114579)');
  const { rows } = await db.query<{ version: number }>(
    'INSERT INTO catalog_versions (version, note, created_at) SELECT coalesce(max(version), 0) + 1, $1, $2 FROM catalog_versions RETURNING version',
    [note, at],
  );
  return rows[0]!.version;
}

export async function updateService(db: Queryable, code: string, edit: ServiceEdit, version: number, at: Date): Promise<void> {
  await db.query(
    `UPDATE fiscal_services SET
       expedition_amount = CASE WHEN $2 THEN $3::bigint ELSE expedition_amount END,
       renewal_amount = CASE WHEN $4 THEN $5::bigint ELSE renewal_amount END,
       name_es = coalesce($6, name_es), name_fr = coalesce($7, name_fr), name_en = coalesce($8, name_en),
       active = coalesce($9, active), flags = coalesce($10, flags),
       catalog_version = $11, updated_at = $12
     WHERE code = $1`,
    [
      code,
      edit.expeditionAmount !== undefined,
      edit.expeditionAmount ?? null,
      edit.renewalAmount !== undefined,
      edit.renewalAmount ?? null,
      edit.names?.es ?? null,
      edit.names?.fr ?? null,
      edit.names?.en ?? null,
      edit.active ?? null,
      edit.flags ?? null,
      version,
      at,
    ],
  );
}

/** Every ministry's code, in order. */
export async function listMinistryCodes(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>('SELECT code FROM ministries ORDER BY code');
  return rows.map((r) => r.code);
}
