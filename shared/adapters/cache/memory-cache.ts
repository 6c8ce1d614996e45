// In-process cache adapter: bounded LRU with clock-driven expiry, the local default when no Upstash is configured.
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';

export interface MemoryCacheOptions {
  clock: Clock;
  maxEntries?: number;
}

interface Entry {
  /** JSON text, so neither the setter nor a reader can mutate what is cached. */
  json: string;
  expiresAt: number;
}

/** Same rounding as the Upstash adapter, so both expire at the same millisecond for a given TTL. */
function ttlToMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cache TTL must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

export function createMemoryCache({ clock, maxEntries = 10_000 }: MemoryCacheOptions): Cache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  // A Map iterates in insertion order; re-inserting on every touch keeps the least recently used first.
  const entries = new Map<string, Entry>();
  // Like Redis's evicted_keys: entries dropped to make room, not expired ones.
  let evicted = 0;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (clock.now().getTime() >= entry.expiresAt) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const store = (key: string, entry: Entry): void => {
    entries.delete(key);
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
      evicted += 1;
    }
    entries.set(key, entry);
  };

  return {
    kind: 'memory',

    async get<T>(key: string): Promise<T | undefined> {
      const entry = live(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return JSON.parse(entry.json) as T;
    },

    async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
      const ttlMs = ttlToMs(ttlSeconds);
      const json = JSON.stringify(value);
      // undefined (or a function) has no JSON form; a later get must still answer undefined, not a stale value.
      if (json === undefined) {
        entries.delete(key);
        return;
      }
      store(key, { json, expiresAt: clock.now().getTime() + ttlMs });
    },

    async del(key: string): Promise<void> {
      entries.delete(key);
    },

    async incr(key: string, ttlSeconds: number): Promise<number> {
      const ttlMs = ttlToMs(ttlSeconds);
      const entry = live(key);
      if (!entry) {
        store(key, { json: '1', expiresAt: clock.now().getTime() + ttlMs });
        return 1;
      }
      // Mirror Redis: only a plain integer can be incremented, and the existing expiry is kept.
      const current = /^(0|-?[1-9]\d*)$/.test(entry.json) ? Number(entry.json) : Number.NaN;
      if (!Number.isSafeInteger(current + 1)) throw new Error('ERR value is not an integer or out of range');
      const next = current + 1;
      store(key, { json: String(next), expiresAt: entry.expiresAt });
      return next;
    },

    async ping(): Promise<void> {},

    // Expired entries not read since are still counted, as Redis's DBSIZE counts keys it has not reclaimed yet.
    async stats() {
      return { keys: entries.size, evictedKeys: evicted };
    },
  };
}
