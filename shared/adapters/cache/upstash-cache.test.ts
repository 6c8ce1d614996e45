// The Upstash adapter against the shared cache contract, for real: the REST bridge in front of the local redis-server.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUpstashBridge, type UpstashBridge } from '../../../scripts/upstash-bridge';
import { cacheContract } from './cache.contract';
import { createUpstashCache } from './upstash-cache';

const runPrefix = `test:upstash-cache:${randomUUID()}:`;
let bridge: UpstashBridge;
let cacheCount = 0;

/** A raw command through the bridge, to look behind the adapter. */
async function redis(...args: (string | number)[]): Promise<unknown> {
  const res = await fetch(bridge.url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bridge.token}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { result?: unknown; error?: string };
  if (body.error !== undefined) throw new Error(body.error);
  return body.result;
}

function newCache(overrides: Partial<Parameters<typeof createUpstashCache>[0]> = {}) {
  cacheCount += 1;
  return createUpstashCache({ url: bridge.url, token: bridge.token, keyPrefix: `${runPrefix}${cacheCount}:`, ...overrides });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: performance.now() - start, error };
}

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: randomUUID() });
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = (await redis('scan', cursor, 'match', `${runPrefix}*`, 'count', 1000)) as [string, string[]];
    if (keys.length > 0) await redis('del', ...keys);
    cursor = next;
  } while (cursor !== '0');
  await bridge.close();
});

describe('upstash cache', () => {
  describe('contract (through the REST bridge, against redis-server)', () => {
    cacheContract({
      kind: 'upstash',
      newCache: () => newCache(),
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  });

  it('stores JSON text under the key prefix, invisible to other prefixes', async () => {
    const cache = newCache();
    await cache.set('profile', { name: 'Ana' }, 60);
    expect(await redis('get', `${runPrefix}${cacheCount}:profile`)).toBe('{"name":"Ana"}');
    expect(await newCache().get('profile')).toBeUndefined();
  });

  it('sets the expiry when incr creates the counter', async () => {
    const cache = newCache();
    await cache.incr('hits', 60);
    const pttl = (await redis('pttl', `${runPrefix}${cacheCount}:hits`)) as number;
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('rejects every call when the token is wrong, without leaking the cached value', async () => {
    const cache = newCache({ token: 'not-the-token' });
    await expect(cache.get('k')).rejects.toThrow(/Unauthorized/);
    await expect(cache.del('k')).rejects.toThrow(/Unauthorized/);
    await expect(cache.incr('k', 60)).rejects.toThrow(/Unauthorized/);
    await expect(cache.ping()).rejects.toThrow(/Unauthorized/);
    const { error } = await timed(cache.set('k', { taxId: 'SECRET-NIF-123' }, 60));
    expect(String(error)).toMatch(/Unauthorized/);
    expect(String(error)).not.toContain('SECRET-NIF-123');
    expect((error as Error).cause).toBeUndefined();
  });

  it('rejects quickly, without retrying, when nothing listens on the port', async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const cache = newCache({ url });
    const { ms, error } = await timed(cache.ping());
    expect(String(error)).toMatch(/ping failed.*ECONNREFUSED/);
    expect(ms).toBeLessThan(500);
    await expect(cache.get('k')).rejects.toThrow(/get failed/);
  });

  it('gives up after timeoutMs when the server never answers', async () => {
    const server = createServer(() => undefined);
    const url = await listen(server);
    try {
      const cache = newCache({ url, timeoutMs: 200 });
      const { ms, error } = await timed(cache.ping());
      expect(String(error)).toMatch(/ping failed: TimeoutError/);
      expect(ms).toBeGreaterThanOrEqual(190);
      expect(ms).toBeLessThan(1000);
      // The SDK would resolve an abort as the value "Aborted" if given a plain signal; this must reject instead.
      await expect(cache.get('k')).rejects.toThrow(/get failed: TimeoutError/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('loads @upstash/redis on first use, not when the cache is created', async () => {
    const loaded = jest.fn();
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@upstash/redis', () => {
        loaded();
        return jest.requireActual('@upstash/redis');
      });
      const { createUpstashCache: create } = await import('./upstash-cache');
      const cache = create({ url: bridge.url, token: bridge.token, keyPrefix: runPrefix });
      expect(loaded).not.toHaveBeenCalled();
      await cache.ping();
      await cache.ping();
      expect(loaded).toHaveBeenCalledTimes(1);
    });
  });

  it('refuses unusable configuration at creation', () => {
    expect(() => createUpstashCache({ url: 'localhost:8079', token: 't' })).toThrow(/url/);
    expect(() => createUpstashCache({ url: 'https://x.upstash.io', token: '' })).toThrow(/token/);
    expect(() => createUpstashCache({ url: 'https://x.upstash.io', token: 't', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
