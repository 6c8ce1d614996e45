/** The catalog service, built once per runtime and shared by the functions that read the catalog. */
import { createCatalogService } from '../domain/catalog/catalog.service';
import { metricsFor } from '../metrics/instance-metrics';
import { timeCache } from '../metrics/instrumentation';
import { perRuntime } from './runtime';

export const getCatalog = perRuntime((rt) =>
  createCatalogService({
    db: rt.db,
    cache: timeCache(rt.cache, (operation, seconds) => metricsFor(rt).recordCacheOperation(operation, seconds)),
    clock: rt.clock,
    logger: rt.logger,
    ttlSeconds: rt.config.cacheTtlSeconds,
    onCacheLookup: (result) => {
      const metrics = metricsFor(rt);
      if (result === 'hit') metrics.recordCacheHit('catalog');
      else if (result === 'miss') metrics.recordCacheMiss('catalog');
      else metrics.recordCacheError('catalog');
    },
  }),
);
