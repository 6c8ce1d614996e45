/** The fiscal-services Cloud Function: catalog search, one service, the ministries tree. */
import { http } from '@google-cloud/functions-framework';
import { catalogRoutes, correctFiscalService, getFiscalService, listFiscalServices, listMinistries } from '../../shared/api/catalog.routes';
import { encodeCursor } from '../../shared/api/common.schemas';
import { createCatalogCurationService } from '../../shared/domain/catalog/catalog-curation.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { pipeline } from '../../shared/runtime/pipeline';
import { createRenderedResponses, type RenderedResponse } from '../../shared/http/rendered-responses';
import { bindRoute } from '../../shared/http/request-context';
import { getCatalog as catalog } from '../../shared/runtime/catalog';
import { getAuditLog } from '../../shared/runtime/identity';
import { perRuntime } from '../../shared/runtime/runtime';

// The catalog is read far more than anything else and changes only by correction: its pages are
// served as rendered text, keyed by catalog version and the whole query.
const renderedPages = perRuntime(() => createRenderedResponses());
// no-cache: browsers keep the page and ask again with If-None-Match, answered 304 while the catalog is unchanged.
const asJson = (r: RenderedResponse) => ({
  status: 200 as const,
  raw: r.body,
  contentType: 'application/json',
  headers: { ETag: r.etag, 'Cache-Control': 'no-cache' },
});

const curation = perRuntime((rt) => createCatalogCurationService({ db: rt.db, cache: rt.cache, clock: rt.clock, audit: getAuditLog(), logger: rt.logger }));

export const routes = [
  bindRoute(listFiscalServices, async ({ query }) => {
    const key = JSON.stringify([query.q?.trim().toLowerCase() ?? '', query.ministry, query.sector, query.category, query.cursor, query.limit, query.lang]);
    const rendered = renderedPages();
    const known = catalog().knownVersion();
    const hit = rendered.get(`${known ?? (await catalog().version())}:${key}`);
    if (hit) return asJson(hit);
    const page = await catalog().listServices({
      ...(query.q ? { search: query.q } : {}),
      ...(query.ministry ? { ministry: query.ministry } : {}),
      ...(query.sector ? { sector: query.sector } : {}),
      ...(query.category ? { category: query.category } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
      lang: query.lang,
      limit: query.limit,
    });
    const body = { items: page.items, nextCursor: page.lastCode ? encodeCursor(page.lastCode) : null, total: page.total };
    return asJson(rendered.set(`${page.catalogVersion}:${key}`, body));
  }),
  bindRoute(getFiscalService, async ({ params, query }) => ({ status: 200, body: await catalog().getService(params.code, query.lang) })),
  bindRoute(listMinistries, async ({ query }) => ({ status: 200, body: await catalog().ministryTree(query.lang) })),
  bindRoute(correctFiscalService, async ({ params, body }, ctx) => {
    await curation().correct(ctx.principal, params.code, body, ctx.ip);
    catalog().forget();
    return { status: 200, body: await catalog().getService(params.code, 'es') };
  }),
];

export const definitions = catalogRoutes;

http('fiscal-services', createHttpFunction({ routes, ...pipeline }));
