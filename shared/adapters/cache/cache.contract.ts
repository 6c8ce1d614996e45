// Behaviour every Cache adapter must share; each adapter's suite calls this inside its own describe().
import type { Cache } from '../../ports/cache.port';

export interface CacheContractHarness {
  kind: Cache['kind'];
  /** A cache whose keys cannot collide with those of any other test. */
  newCache(): Cache | Promise<Cache>;
  /** Lets `ms` of cache time pass: moves a fixed clock, or really waits. */
  elapse(ms: number): Promise<void>;
}

export function cacheContract(harness: CacheContractHarness): void {
  let cache: Cache;

  beforeEach(async () => {
    cache = await harness.newCache();
  });

  it(`reports kind '${harness.kind}'`, () => {
    expect(cache.kind).toBe(harness.kind);
  });

  it('round-trips JSON values, including strings that look like other JSON types', async () => {
    const values: Record<string, unknown> = {
      object: { id: 'NIF-001', amounts: [1.5, 2], nested: { ok: true, none: null } },
      array: [1, 'two', { three: 3 }],
      numeric: '123',
      boolean: 'true',
      jsonText: '{"a":1}',
      empty: '',
      unicode: 'Malabo — Bata, ñ € 🇬🇶',
      number: 42.5,
      zero: 0,
      false: false,
      null: null,
    };
    for (const [key, value] of Object.entries(values)) await cache.set(key, value, 60);
    for (const [key, value] of Object.entries(values)) expect(await cache.get(key)).toEqual(value);
  });

  it('hands out copies, so mutating a value never changes what is cached', async () => {
    const original = { list: [1], name: 'a' };
    await cache.set('copy', original, 60);
    original.list.push(2);
    const first = await cache.get<typeof original>('copy');
    first?.list.push(3);
    expect(await cache.get('copy')).toEqual({ list: [1], name: 'a' });
  });

  it('answers undefined for a missing key', async () => {
    expect(await cache.get('never-set')).toBeUndefined();
  });

  it('treats setting undefined as removing the key', async () => {
    await cache.set('gone', 'before', 60);
    await cache.set('gone', undefined, 60);
    expect(await cache.get('gone')).toBeUndefined();
  });

  it('expires entries after their TTL, and overwriting replaces the TTL', async () => {
    await cache.set('short', 'a', 1);
    await cache.set('extended', 'b', 1);
    await cache.set('extended', 'c', 60);
    await harness.elapse(500);
    expect(await cache.get('short')).toBe('a');
    await harness.elapse(600);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('extended')).toBe('c');
  });

  it('rejects a TTL that is not a positive number', async () => {
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(cache.set('bad-ttl', 1, ttl)).rejects.toThrow(RangeError);
      await expect(cache.incr('bad-ttl', ttl)).rejects.toThrow(RangeError);
    }
    expect(await cache.get('bad-ttl')).toBeUndefined();
  });

  it('deletes keys, and deleting a missing key is fine', async () => {
    await cache.set('doomed', { x: 1 }, 60);
    await cache.del('doomed');
    expect(await cache.get('doomed')).toBeUndefined();
    await expect(cache.del('doomed')).resolves.toBeUndefined();
  });

  it('incr creates a counter with the TTL, increments it without extending the TTL, then starts over', async () => {
    expect(await cache.incr('counter', 1)).toBe(1);
    await harness.elapse(600);
    expect(await cache.incr('counter', 1)).toBe(2);
    // A counter is plain JSON, so get sees it too.
    expect(await cache.get('counter')).toBe(2);
    // 1.1 s after creation: had the second incr reset the TTL, the counter would still be alive.
    await harness.elapse(500);
    expect(await cache.get('counter')).toBeUndefined();
    expect(await cache.incr('counter', 1)).toBe(1);
  });

  it('incr is atomic under concurrency', async () => {
    const counts = await Promise.all(Array.from({ length: 20 }, () => cache.incr('busy', 60)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('incr continues from a stored integer and rejects a non-integer value', async () => {
    await cache.set('seeded', 41, 60);
    expect(await cache.incr('seeded', 60)).toBe(42);
    await cache.set('text', 'abc', 60);
    await expect(cache.incr('text', 60)).rejects.toThrow(/not an integer/);
    expect(await cache.get('text')).toBe('abc');
  });

  it('ping resolves', async () => {
    await expect(cache.ping()).resolves.toBeUndefined();
  });
}
