/** Recording helpers for the HTTP pipeline, the cache port and the database port. */
import type { Database, Queryable } from '../ports/database.port';
import type { Cache } from '../ports/cache.port';
import type { MetricRecorder } from './metric-recorder';

export interface HttpRequestSample {
  /** The route group: the function id (`fiscal-services`, `health`…). */
  group: string;
  /** The route template (`/api/v1/fiscal-services/{code}`), or `unmatched` when no route matched. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
  /** The stable code of a problem+json answer (`validation_failed`…). */
  errorCode?: string;
}

export const UNMATCHED_ROUTE = 'unmatched';

export function recordHttpRequest(recorder: MetricRecorder, sample: HttpRequestSample): void {
  const method = sample.method.toUpperCase();
  const status = String(sample.status);
  recorder.increment('http_requests', { group: sample.group, route: sample.route, method, status });
  recorder.observe('http_request_duration_seconds', { group: sample.group, route: sample.route, method }, Math.max(0, sample.durationMs) / 1000);
  if (sample.errorCode) recorder.increment('http_problems', { group: sample.group, route: sample.route, status, code: sample.errorCode });
}

export type CacheResult = 'hit' | 'miss' | 'error';

/** The key's first segment (`catalog:v3:service:T-001` → `catalog`): bounded, unlike whole keys. */
export function cacheNamespace(key: string): string {
  return key.split(':', 1)[0] || 'default';
}

export function recordCacheLookup(recorder: MetricRecorder, cache: Cache['kind'], namespace: string, result: CacheResult): void {
  recorder.increment('cache_lookups', { cache, namespace, result });
}
export const recordCacheHit = (recorder: MetricRecorder, cache: Cache['kind'], namespace: string) => recordCacheLookup(recorder, cache, namespace, 'hit');
export const recordCacheMiss = (recorder: MetricRecorder, cache: Cache['kind'], namespace: string) => recordCacheLookup(recorder, cache, namespace, 'miss');
export const recordCacheError = (recorder: MetricRecorder, cache: Cache['kind'], namespace: string) => recordCacheLookup(recorder, cache, namespace, 'error');

export type CacheOperation = 'get' | 'set' | 'del' | 'incr';

export function recordCacheOperation(recorder: Pick<MetricRecorder, 'observe'>, operation: CacheOperation, seconds: number): void {
  recorder.observe('cache_operation_duration_seconds', { operation }, Math.max(0, seconds));
}

/** The same cache, timing each get, set, del and incr (failed calls too) through `record`. */
export function timeCache(cache: Cache, record: (operation: CacheOperation, seconds: number) => void, now: () => number = () => performance.now()): Cache {
  const timed = async <T>(operation: CacheOperation, call: () => Promise<T>): Promise<T> => {
    const started = now();
    try {
      return await call();
    } finally {
      record(operation, (now() - started) / 1000);
    }
  };
  return {
    kind: cache.kind,
    get: <T>(key: string) => timed('get', () => cache.get<T>(key)),
    set: (key, value, ttl) => timed('set', () => cache.set(key, value, ttl)),
    del: (key) => timed('del', () => cache.del(key)),
    incr: (key, ttl) => timed('incr', () => cache.incr(key, ttl)),
    ping: () => cache.ping(),
    stats: () => cache.stats(),
  };
}

/** The same cache, timing every call and recording each `get` as a hit, a miss or an error (the error is rethrown). */
export function instrumentCache(cache: Cache, recorder: MetricRecorder, now?: () => number): Cache {
  const timedCache = timeCache(cache, (operation, seconds) => recordCacheOperation(recorder, operation, seconds), now);
  return {
    ...timedCache,
    async get<T>(key: string) {
      const namespace = cacheNamespace(key);
      try {
        const value = await timedCache.get<T>(key);
        recordCacheLookup(recorder, cache.kind, namespace, value === undefined ? 'miss' : 'hit');
        return value;
      } catch (err) {
        recordCacheLookup(recorder, cache.kind, namespace, 'error');
        throw err;
      }
    },
  };
}

const OPERATIONS = new Set(['select', 'insert', 'update', 'delete', 'with']);

/** The statement's first keyword (`select`, `insert`…), `other` for anything else. */
export function statementKind(sql: string): string {
  const word = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i.exec(sql)?.[1]?.toLowerCase() ?? '';
  return OPERATIONS.has(word) ? word : 'other';
}

/** A statement this long or longer is counted in db_slow_queries (the database dashboard's "slow queries"). */
export const SLOW_QUERY_SECONDS = 1;

function timed(recorder: Pick<MetricRecorder, 'observe' | 'increment'>, target: Queryable, now: () => number): Queryable['query'] {
  return async (text, params, prepared) => {
    const started = now();
    let outcome = 'error';
    try {
      // The prepared name goes through: dropping it would make PostgreSQL parse and plan the statement every time.
      const result = await (prepared === undefined ? target.query(text, params) : target.query(text, params, prepared));
      outcome = 'ok';
      return result as never;
    } finally {
      const seconds = (now() - started) / 1000;
      recorder.observe('db_query_duration_seconds', { operation: statementKind(text), outcome }, seconds);
      if (seconds >= SLOW_QUERY_SECONDS) recorder.increment('db_slow_queries', { operation: statementKind(text) });
    }
  };
}

/** The same database, timing every statement (pool queries and those inside transactions). */
export function instrumentDatabase(
  db: Database,
  recorder: Pick<MetricRecorder, 'observe' | 'increment'>,
  now: () => number = () => performance.now(),
): Database {
  return {
    query: timed(recorder, db, now),
    transaction: (fn) => db.transaction((tx) => fn({ query: timed(recorder, tx, now) })),
    ping: (timeoutMs) => db.ping(timeoutMs),
    stats: () => db.stats(),
    close: () => db.close(),
  };
}
