// The memory adapter against the shared cache contract, plus its size bound.
import { createFixedClock } from '../../ports/clock.port';
import { cacheContract } from './cache.contract';
import { createMemoryCache } from './memory-cache';

describe('memory cache', () => {
  describe('contract', () => {
    let clock = createFixedClock();
    cacheContract({
      kind: 'memory',
      newCache: () => {
        clock = createFixedClock();
        return createMemoryCache({ clock });
      },
      elapse: async (ms) => clock.advance(ms),
    });
  });

  it('expires exactly at the TTL', async () => {
    const clock = createFixedClock();
    const cache = createMemoryCache({ clock });
    await cache.set('k', 'v', 2);
    clock.advance(1999);
    expect(await cache.get('k')).toBe('v');
    clock.advance(1);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('reports its size and the entries it evicted to make room (not those that expired)', async () => {
    const clock = createFixedClock();
    const cache = createMemoryCache({ clock, maxEntries: 2 });
    expect(await cache.stats()).toEqual({ keys: 0, evictedKeys: 0 });
    await cache.set('a', 1, 1);
    await cache.set('b', 2, 60);
    expect(await cache.stats()).toEqual({ keys: 2, evictedKeys: 0 });
    clock.advance(1000);
    expect(await cache.get('a')).toBeUndefined(); // expired, not evicted
    await cache.set('c', 3, 60);
    expect(await cache.stats()).toEqual({ keys: 2, evictedKeys: 0 });
    await cache.set('d', 4, 60); // b goes to make room
    await cache.incr('e', 60); // c goes
    await cache.del('d');
    expect(await cache.stats()).toEqual({ keys: 1, evictedKeys: 2 });
  });

  describe('at maxEntries', () => {
    it('evicts the least recently used entry', async () => {
      const cache = createMemoryCache({ clock: createFixedClock(), maxEntries: 3 });
      await cache.set('a', 1, 60);
      await cache.set('b', 2, 60);
      await cache.set('c', 3, 60);
      await cache.get('a'); // now b is the least recently used
      await cache.set('d', 4, 60);
      expect(await cache.get('b')).toBeUndefined();
      expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual([1, 3, 4]);
    });

    it('does not evict when overwriting an existing key', async () => {
      const cache = createMemoryCache({ clock: createFixedClock(), maxEntries: 2 });
      await cache.set('a', 1, 60);
      await cache.set('b', 2, 60);
      await cache.set('a', 10, 60);
      expect([await cache.get('a'), await cache.get('b')]).toEqual([10, 2]);
    });

    it('counts counters created by incr, and incr refreshes recency', async () => {
      const cache = createMemoryCache({ clock: createFixedClock(), maxEntries: 2 });
      await cache.incr('hits', 60);
      await cache.set('x', 'x', 60);
      await cache.incr('hits', 60); // x is now the least recently used
      await cache.set('y', 'y', 60);
      expect(await cache.get('x')).toBeUndefined();
      expect(await cache.get('hits')).toBe(2);
      expect(await cache.get('y')).toBe('y');
    });

    it('holds at most maxEntries entries under sustained inserts', async () => {
      const cache = createMemoryCache({ clock: createFixedClock(), maxEntries: 100 });
      for (let i = 0; i < 1000; i++) await cache.set(`k${i}`, i, 60);
      const present = await Promise.all(Array.from({ length: 1000 }, (_, i) => cache.get(`k${i}`)));
      expect(present.filter((v) => v !== undefined)).toEqual(Array.from({ length: 100 }, (_, i) => 900 + i));
    });
  });

  it('rejects a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryCache({ clock: createFixedClock(), maxEntries })).toThrow(RangeError);
    }
  });
});
