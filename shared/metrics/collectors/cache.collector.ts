/** Cache figures: keys held and keys evicted by the backing store (Upstash's DBSIZE and INFO stats, or the memory cache's own). */
import type { Cache } from '../../ports/cache.port';
import type { MetricCollector } from './metric-collector';

/** A cache that does not answer is a failed collection (metrics_collector_up{collector="cache"} 0), not an empty cache. */
export function createCacheCollector(options: { cache: Pick<Cache, 'kind' | 'stats'> }): MetricCollector {
  const { cache } = options;
  return {
    name: 'cache',
    metrics: ['cache_keys', 'cache_evicted_keys'],
    async collect() {
      const { keys, evictedKeys } = await cache.stats();
      return {
        cache_keys: [{ labels: { cache: cache.kind }, value: keys }],
        cache_evicted_keys: [{ labels: { cache: cache.kind }, value: evictedKeys }],
      };
    },
  };
}
