/** The catalog service, built once per runtime and shared by the functions that read the catalog. */
import { createCatalogService } from '../domain/catalog/catalog.service';
import { timeCache } from '../metrics/instrumentation';
import { perRuntime } from './runtime';

export const getCatalog = perRuntime((rt) =>
  createCatalogService({
    db: rt.db,
    cache: timeCache(rt.cache, (operation, seconds) => rt.metrics().recordCacheOperation(operation, seconds)),
    clock: rt.clock,
    logger: rt.logger,
    ttlSeconds: rt.config.cacheTtlSeconds,
    onCacheLookup: (result) => {
      const metrics = rt.metrics();
      if (result === 'hit') metrics.recordCacheHit('catalog');
      else if (result === 'miss') metrics.recordCacheMiss('catalog');
      else metrics.recordCacheError('catalog');
    },
  }),
);
