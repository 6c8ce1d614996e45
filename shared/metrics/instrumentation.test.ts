import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { createMemoryCache } from '../adapters/cache/memory-cache';
import type { Cache } from '../ports/cache.port';
import { createFixedClock } from '../ports/clock.port';
import {
  cacheNamespace,
  instrumentCache,
  timeCache,
  instrumentDatabase,
  recordCacheError,
  recordCacheHit,
  recordCacheMiss,
  recordHttpRequest,
  statementKind,
} from './instrumentation';
import { createMetricRecorder } from './metric-recorder';
import { recordedSeries } from '../../test/support/recorded-series';

const series = recordedSeries;

describe('recordHttpRequest', () => {
  it('counts the request, times it in seconds, and counts problems by code', async () => {
    const r = createMetricRecorder();
    recordHttpRequest(r, { group: 'fiscal-services', route: '/api/v1/fiscal-services/{code}', method: 'get', status: 200, durationMs: 250 });
    recordHttpRequest(r, {
      group: 'fiscal-services',
      route: '/api/v1/fiscal-services/{code}',
      method: 'GET',
      status: 404,
      durationMs: -1,
      errorCode: 'not_found',
    });
    expect((await series(r, 'http_requests')).map((s) => [s.labels.method, s.labels.status, s.value])).toEqual([
      ['GET', '200', 1],
      ['GET', '404', 1],
    ]);
    expect((await series(r, 'http_request_duration_seconds'))[0]!.histogram).toMatchObject({ count: 2, sum: 0.25 });
    expect(await series(r, 'http_problems')).toEqual([
      { labels: { group: 'fiscal-services', route: '/api/v1/fiscal-services/{code}', status: '404', code: 'not_found' }, value: 1 },
    ]);
  });
});

describe('cache recording', () => {
  it.each([
    ['catalog:v3:service:T-001', 'catalog'],
    ['ratelimit', 'ratelimit'],
    [':x', 'default'],
  ])('namespaces %s as %s', (key, namespace) => {
    expect(cacheNamespace(key)).toBe(namespace);
  });

  it('records hits, misses and errors by cache kind and namespace', async () => {
    const r = createMetricRecorder();
    recordCacheHit(r, 'memory', 'catalog');
    recordCacheMiss(r, 'memory', 'catalog');
    recordCacheError(r, 'upstash', 'catalog');
    expect((await series(r, 'cache_lookups')).map((s) => [s.labels.cache, s.labels.result, s.value])).toEqual([
      ['memory', 'hit', 1],
      ['memory', 'miss', 1],
      ['upstash', 'error', 1],
    ]);
  });

  it('instruments a cache: every get is a hit, a miss or an error (rethrown), the rest passes through', async () => {
    const r = createMetricRecorder();
    const cache = instrumentCache(createMemoryCache({ clock: createFixedClock() }), r);
    await cache.set('catalog:v1:counts', { a: 1 }, 60);
    expect(await cache.get('catalog:v1:counts')).toEqual({ a: 1 });
    expect(await cache.get('catalog:v1:service:T-001')).toBeUndefined();
    expect(await cache.incr('ratelimit:login:x', 60)).toBe(1);
    await cache.del('catalog:v1:counts');
    await cache.ping();
    const broken: Cache = { ...createMemoryCache({ clock: createFixedClock() }), kind: 'upstash', get: () => Promise.reject(new Error('unreachable')) };
    await expect(instrumentCache(broken, r).get('catalog:v1:counts')).rejects.toThrow('unreachable');
    expect(cache.kind).toBe('memory');
    expect((await series(r, 'cache_lookups')).map((s) => [s.labels.cache, s.labels.namespace, s.labels.result, s.value])).toEqual([
      ['memory', 'catalog', 'hit', 1],
      ['memory', 'catalog', 'miss', 1],
      ['upstash', 'catalog', 'error', 1],
    ]);
  });
});

describe('cache call timing', () => {
  /** A clock that moves 3 ms between each reading. */
  const ticking = () => {
    let t = 0;
    return () => (t += 3);
  };

  it('times every get, set, del and incr in seconds, failed calls included, by operation', async () => {
    const r = createMetricRecorder();
    const cache = instrumentCache(createMemoryCache({ clock: createFixedClock() }), r, ticking());
    await cache.set('catalog:v1:counts', { a: 1 }, 60);
    await cache.get('catalog:v1:counts');
    await cache.get('catalog:v1:other');
    await cache.incr('ratelimit:login:x', 60);
    await cache.del('catalog:v1:counts');
    await cache.ping();
    await expect(cache.set('catalog:v1:bad', 1, 0)).rejects.toThrow(RangeError);
    expect(
      (await series(r, 'cache_operation_duration_seconds')).map((s) => [s.labels.operation, s.histogram!.count, Number(s.histogram!.sum.toFixed(6))]),
    ).toEqual([
      ['set', 2, 0.006],
      ['get', 2, 0.006],
      ['incr', 1, 0.003],
      ['del', 1, 0.003],
    ]);
  });

  it('passes each result through unchanged and hands the timing to its callback', async () => {
    const timings: [string, number][] = [];
    const cache = timeCache(createMemoryCache({ clock: createFixedClock() }), (operation, seconds) => timings.push([operation, seconds]), ticking());
    await cache.set('k', 'v', 60);
    expect(await cache.get('k')).toBe('v');
    expect(await cache.stats()).toEqual({ keys: 1, evictedKeys: 0 });
    expect(timings).toEqual([
      ['set', 0.003],
      ['get', 0.003],
    ]);
  });
});

describe('database recording', () => {
  it.each([
    ['SELECT 1', 'select'],
    ['  insert into x values (1)', 'insert'],
    ['-- a comment\nUPDATE x SET a = 1', 'update'],
    ['DELETE FROM x', 'delete'],
    ['WITH a AS (SELECT 1) SELECT * FROM a', 'with'],
    ['BEGIN', 'other'],
    ['', 'other'],
  ])('calls %j a %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });

  describe('on a real database', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.drop());

    it('times every statement, in and out of transactions, with its outcome', async () => {
      const r = createMetricRecorder();
      let t = 0;
      const db = instrumentDatabase(database.db, r, () => (t += 5));
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ministries')).rows[0]!.n).toBe(14);
      await db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await tx.query("UPDATE ministries SET name_en = name_en WHERE code = 'M-001'");
      });
      await expect(db.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
      await db.ping();
      expect(db.stats()).toEqual(database.db.stats());
      const observed = (await series(r, 'db_query_duration_seconds')).map((s) => [s.labels.operation, s.labels.outcome, s.histogram!.count, s.histogram!.sum]);
      expect(observed).toEqual([
        ['select', 'ok', 2, 0.01],
        ['update', 'ok', 1, 0.005],
        ['select', 'error', 1, 0.005],
      ]);
    });

    it("keeps a statement's prepared name, in and out of transactions: the connection prepares it once", async () => {
      const db = instrumentDatabase(database.db, createMetricRecorder());
      const names = await db.transaction(async (tx) => {
        await tx.query('SELECT $1::int AS n', [1], 'instrumentation_test_prepared');
        const { rows } = await tx.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
        return rows.map((r) => r.name);
      });
      expect(names).toContain('instrumentation_test_prepared');
      const given: unknown[][] = [];
      const spy = instrumentDatabase(
        { ...database.db, query: async (...args: unknown[]) => (given.push(args), { rows: [], rowCount: 0 }) } as never,
        createMetricRecorder(),
      );
      await spy.query('SELECT 1', [], 'outside_a_transaction');
      expect(given).toEqual([['SELECT 1', [], 'outside_a_transaction']]);
    });

    it('counts statements of 1 s or more as slow queries, by statement kind', async () => {
      const r = createMetricRecorder();
      const steps = [0, 999, 1000, 2000, 2000, 3500];
      const db = instrumentDatabase(database.db, r, () => steps.shift()!);
      await db.query('SELECT 1'); // 0.999 s
      await db.query('SELECT 2'); // 1 s
      await db.query("UPDATE ministries SET name_en = name_en WHERE code = 'M-001'"); // 1.5 s
      expect(await series(r, 'db_slow_queries')).toEqual([
        { labels: { operation: 'select' }, value: 1 },
        { labels: { operation: 'update' }, value: 1 },
      ]);
    });

    it('closes the database it wraps', async () => {
      const other = await createTestDatabase();
      const db = instrumentDatabase(other.db, createMetricRecorder());
      await db.close();
      await expect(other.db.query('SELECT 1')).rejects.toThrow();
      await other.drop().catch(() => undefined);
    });
  });
});
