/**
 * A small key-value cache with expiry. Values are JSON-serialisable.
 * Adapters: in-memory (local default) and Upstash Redis over HTTPS (production).
 * Callers treat the cache as optional: a failing cache must never fail a request.
 */
/** What the backing store holds now: Redis's DBSIZE and INFO stats evicted_keys, or the memory cache's own figures. */
export interface CacheStats {
  /** Keys held (for Upstash, the whole database, every key prefix included). */
  keys: number;
  /** Keys dropped to make room since the store started (not expiries): a counter that restarts with the store. */
  evictedKeys: number;
}

export interface Cache {
  readonly kind: 'memory' | 'upstash';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Atomically increments a counter, setting its expiry when it is created; returns the new value. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Round trip to the backing store; throws when it is unreachable. */
  ping(): Promise<void>;
  /** Size and evictions of the backing store (the metrics-collector job's cache_keys and cache_evicted_keys). */
  stats(): Promise<CacheStats>;
}
