/** Catalog reads: search, filters, keyset pages, the ministries tree; cached by catalog version. */
import type { Queryable } from '../../ports/database.port';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { Logger } from '../../ports/logger.port';
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';
import { countServicesByCategory, findServiceByCode, findServices, findServicesNotPayable, loadTaxonomy } from './catalog.repository';
import type { ServiceCounts, ServiceFilter, ServiceRecord, Taxonomy, TaxonomyNode } from './catalog.types';
import type { Language } from '../../ports/language';

export interface CatalogServiceDeps {
  db: Queryable;
  cache: Cache;
  logger: Logger;
  ttlSeconds: number;
  clock: Clock;
  /**
   * How long this instance trusts the catalog version it holds before asking the shared cache
   * again (a correction made on another instance shows here within this time). Default 5 s.
   */
  versionCheckMs?: number;
  /** Observes each cache lookup (metrics). */
  onCacheLookup?: (result: 'hit' | 'miss' | 'error') => void;
}

export interface ListServicesQuery extends ServiceFilter {
  lang: Language;
  limit: number;
  after?: string;
}

export interface NamedRef {
  code: string;
  name: string;
}

export interface ServiceSummary {
  code: string;
  name: string;
  ministry: NamedRef;
  sector: NamedRef;
  category: NamedRef;
  expeditionAmount: number | null;
  renewalAmount: number | null;
  currency: 'XAF';
  payableOnline: boolean;
  requiredDocuments: string[];
  flags: string[];
}

export interface ServiceDetail extends ServiceSummary {
  names: ServiceRecord['names'];
  requiredDocumentsByLanguage: ServiceRecord['requiredDocuments'];
  source: { expeditionAmount: string; renewalAmount: string };
  sameNameInCategory: string[];
  exactDuplicateOf: string[];
  active: boolean;
  catalogVersion: number;
}

export interface ServicePage {
  items: ServiceSummary[];
  /** Code of the last item when more may follow; the HTTP layer turns it into an opaque cursor. */
  lastCode: string | null;
  total: number;
  catalogVersion: number;
}

export interface MinistryTreeNode extends NamedRef {
  services: number;
  payableOnline: number;
}

export interface MinistryTree {
  catalogVersion: number;
  ministries: (MinistryTreeNode & { sectors: (MinistryTreeNode & { categories: MinistryTreeNode[] })[] })[];
}

/** Holds the catalog version: deleting it makes every cached catalog entry unreachable. */
export const TAXONOMY_KEY = 'catalog:taxonomy';

type TaxonomyIndex = ReturnType<typeof indexTaxonomy>;

interface Snapshot {
  taxonomy: Taxonomy;
  index: TaxonomyIndex;
  /** When this instance last confirmed the version against the shared cache (epoch ms). */
  checkedAt: number;
}

function indexTaxonomy(t: Taxonomy) {
  return {
    ministries: new Map(t.ministries.map((m) => [m.code, m])),
    sectors: new Map(t.sectors.map((s) => [s.code, s])),
    categories: new Map(t.categories.map((c) => [c.code, c])),
  };
}

function localName(names: TaxonomyNode['names'], lang: Language): string {
  return names[lang] || names.es || names.fr || names.en;
}

export function createCatalogService(deps: CatalogServiceDeps) {
  const { db, cache, logger, ttlSeconds } = deps;

  /** The cache is an optimisation: when it fails, read through to the database. */
  async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    try {
      const hit = await cache.get<T>(key);
      deps.onCacheLookup?.(hit === undefined ? 'miss' : 'hit');
      if (hit !== undefined) return hit;
    } catch (err) {
      deps.onCacheLookup?.('error');
      logger.warning('cache read failed; reading the database', { key, err });
    }
    const value = await load();
    cache.set(key, value, ttlSeconds).catch((err: unknown) => logger.warning('cache write failed', { key, err }));
    return value;
  }

  const versionCheckMs = deps.versionCheckMs ?? 5000;
  let snapshot: Snapshot | undefined;

  /**
   * The taxonomy and its indexes, kept per instance: parsing and indexing them on every request
   * cost more than the rest of a cached catalog read. The shared cache stays the source of the
   * version, so a correction (which deletes TAXONOMY_KEY) reaches every instance.
   */
  async function current(): Promise<Snapshot> {
    const now = deps.clock.now().getTime();
    if (snapshot && now - snapshot.checkedAt < versionCheckMs) return snapshot;
    const t = await cached<Taxonomy>(TAXONOMY_KEY, () => loadTaxonomy(db));
    snapshot = snapshot?.taxonomy.version === t.version ? { ...snapshot, checkedAt: now } : { taxonomy: t, index: indexTaxonomy(t), checkedAt: now };
    return snapshot;
  }

  function summarise(s: ServiceRecord, index: TaxonomyIndex, lang: Language): ServiceSummary {
    const ref = (node: TaxonomyNode | undefined, code: string): NamedRef => ({ code, name: node ? localName(node.names, lang) : code });
    return {
      code: s.code,
      name: localName(s.names, lang),
      ministry: ref(index.ministries.get(s.ministry), s.ministry),
      sector: ref(index.sectors.get(s.sector), s.sector),
      category: ref(index.categories.get(s.category), s.category),
      expeditionAmount: s.expeditionAmount,
      renewalAmount: s.renewalAmount,
      currency: 'XAF',
      payableOnline: s.payableOnline,
      requiredDocuments: s.requiredDocuments[lang]?.length ? s.requiredDocuments[lang] : s.requiredDocuments.es,
      flags: s.flags,
    };
  }
  /** A page of services as the routes list them: a cursor only when the page is full. */
  function pageOf(found: { services: ServiceRecord[]; total: number }, index: TaxonomyIndex, lang: Language, limit: number, version: number): ServicePage {
    const last = found.services[found.services.length - 1];
    return {
      items: found.services.map((s) => summarise(s, index, lang)),
      lastCode: found.services.length === limit && last ? last.code : null,
      total: found.total,
      catalogVersion: version,
    };
  }

  function assertKnownCodes(filter: ServiceFilter, index: TaxonomyIndex) {
    const errors = (
      [
        ['ministry', index.ministries],
        ['sector', index.sectors],
        ['category', index.categories],
      ] as const
    )
      .filter(([field, known]) => filter[field] !== undefined && !known.has(filter[field]!))
      .map(([field]) => ({ path: `query.${field}`, message: `unknown ${field} code "${filter[field]}"; GET /api/v1/ministries lists them` }));
    if (errors.length) throw new ValidationError(`The query did not validate: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }

  return {
    /** The catalog version this instance serves (re-checked every `versionCheckMs`). */
    async version(): Promise<number> {
      return (await current()).taxonomy.version;
    },

    /**
     * The version, without waiting, while this instance's copy is fresh; undefined when it must be
     * re-checked (then `version()`). Saves the hottest read an asynchronous step.
     */
    knownVersion(): number | undefined {
      return snapshot && deps.clock.now().getTime() - snapshot.checkedAt < versionCheckMs ? snapshot.taxonomy.version : undefined;
    },

    /** Drops what this instance holds, after a correction made here. */
    forget(): void {
      snapshot = undefined;
    },

    async listServices(query: ListServicesQuery): Promise<ServicePage> {
      const { taxonomy: t, index } = await current();
      assertKnownCodes(query, index);
      const key = `catalog:v${t.version}:list:${JSON.stringify([query.search?.trim().toLowerCase() ?? '', query.ministry, query.sector, query.category, query.after, query.limit])}`;
      const page = await cached(key, () => findServices(db, query, { limit: query.limit, ...(query.after ? { after: query.after } : {}) }));
      return pageOf(page, index, query.lang, query.limit, t.version);
    },

    /** For admins: the services not payable online (open data-quality flags), uncached. */
    async listNotPayable(page: { lang: Language; limit: number; after?: string | undefined }): Promise<ServicePage> {
      const { taxonomy: t, index } = await current();
      const found = await findServicesNotPayable(db, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
      return pageOf(found, index, page.lang, page.limit, t.version);
    },

    async getService(code: string, lang: Language): Promise<ServiceDetail> {
      const { taxonomy: t, index } = await current();
      const record = await cached(`catalog:v${t.version}:service:${code}`, async () => (await findServiceByCode(db, code)) ?? null);
      if (!record) throw new NotFoundError(`No fiscal service has code ${code}. Codes look like T-001; search with GET /api/v1/fiscal-services?q=…`);
      return {
        ...summarise(record, index, lang),
        names: record.names,
        requiredDocumentsByLanguage: record.requiredDocuments,
        source: { expeditionAmount: record.sourceExpeditionAmount, renewalAmount: record.sourceRenewalAmount },
        sameNameInCategory: record.sameNameInCategory,
        exactDuplicateOf: record.exactDuplicateOf,
        active: record.active,
        catalogVersion: record.catalogVersion,
      };
    },

    async ministryTree(lang: Language): Promise<MinistryTree> {
      const { taxonomy: t, index } = await current();
      const counts = await cached(`catalog:v${t.version}:counts`, () => countServicesByCategory(db));
      const byCategory = new Map(counts.map((c) => [c.code, c]));
      const sum = (nodes: Pick<ServiceCounts, 'services' | 'payableOnline'>[]) => ({
        services: nodes.reduce((n, c) => n + c.services, 0),
        payableOnline: nodes.reduce((n, c) => n + c.payableOnline, 0),
      });
      return {
        catalogVersion: t.version,
        ministries: t.ministries.map((m) => {
          const sectors = m.sectors.map((sectorCode) => {
            const sector = index.sectors.get(sectorCode)!;
            const categories = sector.categories.map((categoryCode) => {
              const c = byCategory.get(categoryCode);
              return {
                code: categoryCode,
                name: localName(index.categories.get(categoryCode)!.names, lang),
                services: c?.services ?? 0,
                payableOnline: c?.payableOnline ?? 0,
              };
            });
            return { code: sectorCode, name: localName(sector.names, lang), ...sum(categories), categories };
          });
          return { code: m.code, name: localName(m.names, lang), ...sum(sectors), sectors };
        }),
      };
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
