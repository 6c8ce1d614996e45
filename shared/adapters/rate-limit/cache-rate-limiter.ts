/**
 * Fixed-window counters on the cache port (one atomic INCR with expiry per event), so the same code
 * limits on the in-memory cache locally and on Upstash Redis in production. When the cache fails,
 * a per-instance in-memory limiter takes over: limits loosen to one instance's view, never vanish.
 */
import type { Logger } from '../../ports/logger.port';
import type { Cache } from '../../ports/cache.port';
import type { Clock } from '../../ports/clock.port';
import type { RateLimitRule, RateLimitState, RateLimiter } from '../../ports/rate-limiter.port';
import { createMemoryCache } from '../cache/memory-cache';

export function createCacheRateLimiter(deps: { cache: Cache; clock: Clock; logger: Logger }): RateLimiter {
  const fallback = deps.cache.kind === 'memory' ? deps.cache : createMemoryCache({ clock: deps.clock, maxEntries: 50_000 });

  function window(rule: RateLimitRule) {
    const nowMs = deps.clock.now().getTime();
    const size = rule.windowSeconds * 1000;
    const start = Math.floor(nowMs / size) * size;
    return { start, retryAfterSeconds: Math.max(1, Math.ceil((start + size - nowMs) / 1000)) };
  }

  const keyOf = (rule: RateLimitRule, key: string, start: number) => `rl:${rule.name}:${key}:${start}`;

  async function withFallback<T>(op: (cache: Cache) => Promise<T>): Promise<T> {
    try {
      return await op(deps.cache);
    } catch (err) {
      deps.logger.warning('rate limiter cache failed; limiting per instance', { err });
      return op(fallback);
    }
  }

  return {
    async hit(rule, key): Promise<RateLimitState> {
      const w = window(rule);
      const count = await withFallback((c) => c.incr(keyOf(rule, key, w.start), rule.windowSeconds + 1));
      return { count, limited: count > rule.max, retryAfterSeconds: w.retryAfterSeconds };
    },
    async peek(rule, key): Promise<RateLimitState> {
      const w = window(rule);
      const count = (await withFallback((c) => c.get<number>(keyOf(rule, key, w.start)))) ?? 0;
      return { count, limited: count >= rule.max, retryAfterSeconds: w.retryAfterSeconds };
    },
  };
}
