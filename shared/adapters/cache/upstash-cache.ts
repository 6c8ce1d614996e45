// Upstash Redis (REST over HTTPS) adapter for the cache port: fails fast, never retries, so callers can treat errors as misses.
import type { Redis } from '@upstash/redis';
import type { Cache, CacheStats } from '../../ports/cache.port';

export interface UpstashCacheOptions {
  url: string;
  token: string;
  /** Prepended to every key, so environments or tests can share one database. */
  keyPrefix?: string;
  /** Per HTTP request; a slow cache is worse than no cache. */
  timeoutMs?: number;
}

/** Same rounding as the memory adapter, so both expire at the same millisecond for a given TTL. */
function ttlToMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cache TTL must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/** Duck-typed, because fetch errors can come from another realm (e.g. under jest) and fail `instanceof Error`. */
function describeError(error: unknown): { name: string; message: string; code?: string } {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * The SDK's HTTP errors end with ", command was: [...]", i.e. the key and the whole cached value,
 * which must not reach logs; the cause is dropped for the same reason.
 */
function sanitised(operation: string, error: unknown): Error {
  if (error instanceof RangeError) return error;
  const { name, message, code } = describeError(error);
  const safeMessage = message.replace(/, command was: [\s\S]*$/, '');
  return new Error(`upstash cache ${operation} failed: ${name}: ${safeMessage}${code ? ` (${code})` : ''}`);
}

/** `evicted_keys:<n>` from the text INFO answers; a reply without it is an error, not zero evictions. */
export function evictedKeysOf(info: unknown): number {
  const match = typeof info === 'string' ? /^evicted_keys:(\d+)\r?$/m.exec(info) : null;
  if (!match) throw new Error('INFO stats reply has no evicted_keys field');
  return Number(match[1]);
}

export function createUpstashCache({ url, token, keyPrefix = '', timeoutMs = 500 }: UpstashCacheOptions): Cache {
  // Configuration mistakes should fail at startup, not look like a permanently cold cache.
  if (!/^https?:\/\/[^\s/]/.test(url)) throw new Error('createUpstashCache: url must be an http(s) URL');
  if (!token) throw new Error('createUpstashCache: token is required');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('createUpstashCache: timeoutMs must be positive');

  let client: Promise<Redis> | undefined;
  // Loaded on first use, so only where Upstash is configured: the SDK is large (198 KB) and most cold
  // starts never touch the cache before responding. scripts/build.ts leaves it out of the bundles
  // (installed beside them), so an instance that never uses it neither reads nor compiles it.
  const redis = (): Promise<Redis> =>
    (client ??= import('@upstash/redis').then(
      ({ Redis: UpstashRedis }) =>
        new UpstashRedis({
          url,
          token,
          // `retry: false` still makes one retry (the loop runs attempts + 1 times); 0 retries means a single try.
          retry: { retries: 0 },
          // Must be a function: with a plain (shared) signal the SDK turns an abort into a successful "Aborted" result.
          signal: () => AbortSignal.timeout(timeoutMs),
          // We store JSON text ourselves; the SDK's own parsing would turn a cached string "123" into the number 123.
          automaticDeserialization: false,
          // One call, one request: failures map to the call that caused them.
          enableAutoPipelining: false,
          enableTelemetry: false,
        }),
      (error: unknown) => {
        client = undefined;
        throw error;
      },
    ));

  const k = (key: string) => keyPrefix + key;

  const run = async <T>(operation: string, action: (r: Redis) => Promise<T>): Promise<T> => {
    try {
      return await action(await redis());
    } catch (error) {
      throw sanitised(operation, error);
    }
  };

  return {
    kind: 'upstash',

    get<T>(key: string): Promise<T | undefined> {
      return run('get', async (r) => {
        const json = await r.get<string>(k(key));
        return json === null ? undefined : (JSON.parse(json) as T);
      });
    },

    set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
      return run('set', async (r) => {
        const px = ttlToMs(ttlSeconds);
        const json = JSON.stringify(value);
        // undefined (or a function) has no JSON form; a later get must still answer undefined, not a stale value.
        if (json === undefined) await r.del(k(key));
        else await r.set(k(key), json, { px });
      });
    },

    del(key: string): Promise<void> {
      return run('del', async (r) => {
        await r.del(k(key));
      });
    },

    incr(key: string, ttlSeconds: number): Promise<number> {
      return run('incr', async (r) => {
        const px = ttlToMs(ttlSeconds);
        // One MULTI/EXEC round trip; PEXPIRE NX only sets an expiry on a key that has none, i.e. the one INCR just created.
        const [count] = await r.multi().incr(k(key)).pexpire(k(key), px, 'NX').exec();
        return count;
      });
    },

    ping(): Promise<void> {
      return run('ping', async (r) => {
        const reply = await r.ping();
        if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
      });
    },

    stats(): Promise<CacheStats> {
      return run('stats', async (r) => {
        // Two read-only commands (the SDK has no INFO method: the generic exec sends it as is).
        const [keys, info] = await Promise.all([r.dbsize(), r.exec<string>(['info', 'stats'])]);
        return { keys: Number(keys), evictedKeys: evictedKeysOf(info) };
      });
    },
  };
}
