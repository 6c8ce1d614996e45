/**
 * The deployed shape's Hosting stand-in sends an instance no more requests at once than Cloud Run's
 * max_instance_request_concurrency: the rest wait their turn, in order, and nothing is dropped.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHostingProxy, SERVED_BY } from '../../scripts/deployed/hosting-proxy';

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));

/** An instance that holds every request until released, counting how many it holds at once. */
async function heldInstance() {
  const held: ServerResponse[] = [];
  let most = 0;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    held.push(res);
    most = Math.max(most, held.filter((r) => !r.writableEnded).length);
  });
  const url = await listen(server);
  return {
    url,
    server,
    held,
    most: () => most,
    releaseAll: () => held.filter((r) => !r.writableEnded).forEach((r) => r.end('ok')),
  };
}

function get(base: string, signal?: AbortSignal): Promise<{ status: number; servedBy: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/fiscal-services`, { signal }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy: String(res.headers[SERVED_BY]) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once `check` holds, looking every 10 ms: the proxy's queue moves on I/O, not on a clock. */
async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('hosting proxy: per-instance concurrency', () => {
  const rewrites = [{ regex: /^\/api\/v1\/fiscal-services/, functionId: 'fiscal-services' }];

  it('holds the requests over the limit until an instance has room, then serves every one', async () => {
    const a = await heldInstance();
    const b = await heldInstance();
    const proxy = createHostingProxy({ rewrites, instances: () => [a.url, b.url], concurrency: 2 });
    const base = await listen(proxy);
    try {
      const answers = Array.from({ length: 7 }, () => get(base));
      await until(() => a.held.length + b.held.length === 4);
      // Four under way (two each), three waiting at the proxy.
      expect([a.held.length, b.held.length]).toEqual([2, 2]);
      a.releaseAll();
      b.releaseAll();
      await until(() => a.held.length + b.held.length === 7);
      a.releaseAll();
      b.releaseAll();
      const done = await Promise.all(answers);
      expect(done.map((d) => d.status)).toEqual(Array(7).fill(200));
      expect(Math.max(a.most(), b.most())).toBe(2);
    } finally {
      await close(proxy);
      await Promise.all([close(a.server), close(b.server)]);
    }
  });

  it('forgets a caller that gave up while waiting', async () => {
    const a = await heldInstance();
    const proxy = createHostingProxy({ rewrites, instances: () => [a.url], concurrency: 1 });
    const base = await listen(proxy);
    try {
      const first = get(base);
      await until(() => a.held.length === 1);
      const abandon = new AbortController();
      const gaveUp = get(base, abandon.signal).catch((err: Error) => err.name);
      await until(() => proxy.waiting('fiscal-services') === 1);
      const third = get(base);
      await until(() => proxy.waiting('fiscal-services') === 2);
      abandon.abort();
      expect(await gaveUp).toBe('AbortError');
      await until(() => proxy.waiting('fiscal-services') === 1);
      a.releaseAll();
      // The abandoned request never reaches the instance: the next one to arrive is the third.
      await until(() => a.held.length === 2);
      a.releaseAll();
      expect((await first).status).toBe(200);
      expect((await third).status).toBe(200);
      expect(a.held).toHaveLength(2);
    } finally {
      await close(proxy);
      await close(a.server);
    }
  });

  it('spreads requests over the instances in turn when none is full', async () => {
    const a = await heldInstance();
    const b = await heldInstance();
    const proxy = createHostingProxy({ rewrites, instances: () => [a.url, b.url], concurrency: 40 });
    const base = await listen(proxy);
    try {
      for (let i = 0; i < 4; i++) {
        const answer = get(base);
        await until(() => a.held.length + b.held.length === i + 1);
        a.releaseAll();
        b.releaseAll();
        await answer;
      }
      expect([a.held.length, b.held.length]).toEqual([2, 2]);
    } finally {
      await close(proxy);
      await Promise.all([close(a.server), close(b.server)]);
    }
  });
});
