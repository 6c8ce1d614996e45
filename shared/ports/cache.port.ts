/**
 * A small key-value cache with expiry. Values are JSON-serialisable.
 * Adapters: in-memory (local default) and Upstash Redis over HTTPS (production).
 * Callers treat the cache as optional: a failing cache must never fail a request.
 */
export interface Cache {
  readonly kind: 'memory' | 'upstash';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Atomically increments a counter, setting its expiry when it is created; returns the new value. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Round trip to the backing store; throws when it is unreachable. */
  ping(): Promise<void>;
}
