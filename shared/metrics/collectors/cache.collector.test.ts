// The cache collector: the cache's own figures become cache_keys and cache_evicted_keys, a silent cache marks it down.
import { createMemoryCache } from '../../adapters/cache/memory-cache';
import type { Cache } from '../../ports/cache.port';
import { createFixedClock } from '../../ports/clock.port';
import { createMetricRecorder } from '../metric-recorder';
import { createCacheCollector } from './cache.collector';
import { runCollectors } from './metric-collector';
import { recordedSeries } from '../../../test/support/recorded-series';

const series = recordedSeries;

describe('cache collector', () => {
  it('reads keys held and keys evicted, labelled with the cache kind', async () => {
    const cache = createMemoryCache({ clock: createFixedClock(), maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60);
    const r = createMetricRecorder();
    await runCollectors(r, [createCacheCollector({ cache })]);
    expect(await series(r, 'cache_keys')).toEqual([{ labels: { cache: 'memory' }, value: 2 }]);
    expect(await series(r, 'cache_evicted_keys')).toEqual([{ labels: { cache: 'memory' }, value: 1 }]);
    expect(await series(r, 'metrics_collector_up')).toEqual([{ labels: { collector: 'cache' }, value: 1 }]);
  });

  it('reports nothing, and is down, when the cache does not answer', async () => {
    const down: Pick<Cache, 'kind' | 'stats'> = { kind: 'upstash', stats: () => Promise.reject(new Error('upstash cache stats failed')) };
    const r = createMetricRecorder();
    r.set('cache_keys', { cache: 'upstash' }, 12);
    const errors: string[] = [];
    await runCollectors(r, [createCacheCollector({ cache: down })], { onError: (c, e) => errors.push(`${c}: ${String(e)}`) });
    expect(await series(r, 'cache_keys')).toEqual([]);
    expect(await series(r, 'metrics_collector_up')).toEqual([{ labels: { collector: 'cache' }, value: 0 }]);
    expect(errors).toEqual(['cache: Error: upstash cache stats failed']);
  });
});
