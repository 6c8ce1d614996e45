// The Upstash adapter against the shared cache contract, for real: the REST bridge in front of the local redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { startUpstashBridge, type UpstashBridge } from '../../../scripts/upstash-bridge';
import { cacheContract } from './cache.contract';
import { createUpstashCache, evictedKeysOf } from './upstash-cache';

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

/** Answers take as long as a busy machine needs: only the deadline case gives a short timeout. */
const PATIENT_MS = 30_000;

function newCache(overrides: Partial<Parameters<typeof createUpstashCache>[0]> = {}) {
  cacheCount += 1;
  return createUpstashCache({ url: bridge.url, token: bridge.token, keyPrefix: `${runPrefix}${cacheCount}:`, timeoutMs: PATIENT_MS, ...overrides });
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
      expect(ms).toBeLessThan(5000); // gave up, rather than waiting for an answer that never comes
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

/** A redis-server of this test's own, so its key count and evictions are exact and its memory limit touches nobody. */
async function startPrivateRedis(maxmemory: string): Promise<{ url: string; process: ChildProcess }> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', maxmemory, '--maxmemory-policy', 'allkeys-lru'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, process: child };
}

describe('upstash cache stats (DBSIZE and INFO stats through the REST bridge)', () => {
  let server: { url: string; process: ChildProcess };
  let own: UpstashBridge;

  beforeAll(async () => {
    server = await startPrivateRedis('2mb');
    own = await startUpstashBridge({ redisUrl: server.url, token: randomUUID() });
  });

  afterAll(async () => {
    await own?.close();
    if (server && server.process.exitCode === null) {
      server.process.kill();
      await once(server.process, 'exit');
    }
  });

  it('counts the keys of the database and the keys Redis evicted to stay under maxmemory', async () => {
    const cache = createUpstashCache({ url: own.url, token: own.token, keyPrefix: 'stats:', timeoutMs: PATIENT_MS });
    expect(await cache.stats()).toEqual({ keys: 0, evictedKeys: 0 });
    await cache.set('a', 'small', 60);
    await cache.incr('b', 60);
    expect(await cache.stats()).toEqual({ keys: 2, evictedKeys: 0 });
    // 40 values of 100 kB: twice the 2 MB the server may hold, so Redis must evict.
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 40; i++) await cache.set(`big:${i}`, big, 60);
    const stats = await cache.stats();
    expect(stats.evictedKeys).toBeGreaterThan(0);
    expect(stats.keys + stats.evictedKeys).toBe(42);
  });

  it('fails like any other call when the store refuses it', async () => {
    const cache = createUpstashCache({ url: own.url, token: 'wrong', timeoutMs: PATIENT_MS });
    await expect(cache.stats()).rejects.toThrow(/^upstash cache stats failed: /);
  });

  it('reads evicted_keys from the INFO text, and refuses a reply without it', () => {
    expect(evictedKeysOf('# Stats\r\nexpired_keys:3\r\nevicted_keys:17\r\nevicted_clients:0\r\n')).toBe(17);
    expect(() => evictedKeysOf('# Stats\r\nexpired_keys:3\r\n')).toThrow(/evicted_keys/);
    expect(() => evictedKeysOf(null)).toThrow(/evicted_keys/);
  });
});
