import { randomUUID } from 'node:crypto';
import { startUpstashBridge, type UpstashBridge } from '../../../scripts/upstash-bridge';
import { createLogger } from '../../logging/logger';
import type { Cache } from '../../ports/cache.port';
import { createFixedClock } from '../../ports/clock.port';
import { createMemoryCache } from '../cache/memory-cache';
import { createUpstashCache } from '../cache/upstash-cache';
import { createCacheRateLimiter } from './cache-rate-limiter';

const rule = { name: 'test', max: 3, windowSeconds: 60 };
const quiet = createLogger({ level: 'error', write: () => undefined });

let bridge: UpstashBridge;
beforeAll(async () => {
  bridge = await startUpstashBridge({ token: randomUUID() });
});
afterAll(() => bridge.close());

describe.each([
  ['memory', (clock: ReturnType<typeof createFixedClock>) => createMemoryCache({ clock })],
  ['upstash (real Redis through the bridge)', () => createUpstashCache({ url: bridge.url, token: bridge.token, keyPrefix: `rl-test-${randomUUID()}:` })],
])('fixed-window limiter on the %s cache', (_name, makeCache) => {
  it('counts hits per key and window, peeks without counting, and resets with the window', async () => {
    const clock = createFixedClock('2026-01-15T09:00:10.000Z');
    const limiter = createCacheRateLimiter({ cache: makeCache(clock), clock, logger: quiet });
    const key = randomUUID();
    expect(await limiter.peek(rule, key)).toEqual({ count: 0, limited: false, retryAfterSeconds: 50 });
    for (let i = 1; i <= 3; i++) expect((await limiter.hit(rule, key)).limited).toBe(false);
    expect(await limiter.peek(rule, key)).toMatchObject({ count: 3, limited: true });
    expect(await limiter.hit(rule, key)).toEqual({ count: 4, limited: true, retryAfterSeconds: 50 });
    expect((await limiter.hit(rule, 'another-key')).limited).toBe(false);
    clock.advance(50_000);
    expect(await limiter.peek(rule, key)).toMatchObject({ count: 0, limited: false });
  });
});

describe('when the cache fails', () => {
  it('keeps limiting on a per-instance fallback', async () => {
    const clock = createFixedClock();
    const lines: string[] = [];
    const broken: Cache = {
      kind: 'upstash',
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      del: () => Promise.reject(new Error('down')),
      incr: () => Promise.reject(new Error('down')),
      ping: () => Promise.reject(new Error('down')),
      stats: () => Promise.reject(new Error('down')),
    };
    const limiter = createCacheRateLimiter({ cache: broken, clock, logger: createLogger({ level: 'warning', write: (l) => lines.push(l) }) });
    for (let i = 0; i < 3; i++) await limiter.hit(rule, 'k');
    expect((await limiter.hit(rule, 'k')).limited).toBe(true);
    expect((await limiter.peek(rule, 'k')).limited).toBe(true);
    expect(lines.some((l) => l.includes('limiting per instance'))).toBe(true);
  });
});
