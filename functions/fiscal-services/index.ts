/** The fiscal-services Cloud Function: catalog search, one service, the ministries tree. */
import { http } from '@google-cloud/functions-framework';
import { catalogRoutes, correctFiscalService, getFiscalService, listFiscalServices, listMinistries } from '../../shared/api/catalog.routes';
import { encodeCursor } from '../../shared/api/common.schemas';
import { createCatalogCurationService } from '../../shared/domain/catalog/catalog-curation.service';
import { createCatalogService } from '../../shared/domain/catalog/catalog.service';
import { createHttpFunction } from '../../shared/http/http-function';
import { metricsFor } from '../../shared/metrics/instance-metrics';
import { bindRoute } from '../../shared/http/request-context';
import { getAuditLog } from '../../shared/runtime/identity';
import { getRuntime, perRuntime } from '../../shared/runtime/runtime';

const catalog = perRuntime((rt) => createCatalogService({
    db: rt.db,
    cache: rt.cache,
    logger: rt.logger,
    ttlSeconds: rt.config.cacheTtlSeconds,
    onCacheLookup: (result) => {
      const metrics = metricsFor(rt);
      if (result === 'hit') metrics.recordCacheHit('catalog');
      else if (result === 'miss') metrics.recordCacheMiss('catalog');
      else metrics.recordCacheError('catalog');
    },
  }));

const curation = perRuntime((rt) => createCatalogCurationService({ db: rt.db, cache: rt.cache, clock: rt.clock, audit: getAuditLog(), logger: rt.logger }));

export const routes = [
  bindRoute(listFiscalServices, async ({ query }) => {
    const page = await catalog().listServices({
      ...(query.q ? { search: query.q } : {}),
      ...(query.ministry ? { ministry: query.ministry } : {}),
      ...(query.sector ? { sector: query.sector } : {}),
      ...(query.category ? { category: query.category } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
      lang: query.lang,
      limit: query.limit,
    });
    return { status: 200, body: { items: page.items, nextCursor: page.lastCode ? encodeCursor(page.lastCode) : null, total: page.total } };
  }),
  bindRoute(getFiscalService, async ({ params, query }) => ({ status: 200, body: await catalog().getService(params.code, query.lang) })),
  bindRoute(listMinistries, async ({ query }) => ({ status: 200, body: await catalog().ministryTree(query.lang) })),
  bindRoute(correctFiscalService, async ({ params, body }, ctx) => {
    await curation().correct(ctx.principal!, params.code, body, ctx.ip);
    return { status: 200, body: await catalog().getService(params.code, 'es') };
  }),
];

export const definitions = catalogRoutes;

http('fiscal-services', createHttpFunction({ routes, runtime: getRuntime }));
