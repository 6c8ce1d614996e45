// Protocol tests for the Upstash REST bridge, against the local redis-server.
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from '@upstash/redis';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge';

const prefix = `test:upstash-bridge:${randomUUID()}:`;
const key = (name: string) => prefix + name;
let bridge: UpstashBridge;

async function post(
  path: string,
  body: unknown,
  { token = bridge.token, base64 = false }: { token?: string | null; base64?: boolean } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (base64) headers['Upstash-Encoding'] = 'base64';
  const res = await fetch(bridge.url + path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: randomUUID() });
});

afterAll(async () => {
  const { body } = await post('/', ['keys', `${prefix}*`]);
  const keys = (body as { result: string[] }).result;
  if (keys.length > 0) await post('/', ['del', ...keys]);
  await bridge.close();
});

describe('upstash bridge', () => {
  describe('auth', () => {
    it.each([
      ['no token', null],
      ['a wrong token', 'wrong'],
      ['an empty token', ''],
    ])('answers 401 with a JSON error for %s', async (_label, token) => {
      for (const path of ['/', '/pipeline', '/multi-exec']) {
        expect(await post(path, ['ping'], { token })).toEqual({ status: 401, body: { error: 'Unauthorized' } });
      }
    });

    it('accepts the token as the _token query parameter', async () => {
      const res = await fetch(`${bridge.url}/?_token=${encodeURIComponent(bridge.token)}`, {
        method: 'POST',
        body: '["ping"]',
      });
      expect(await res.json()).toEqual({ result: 'PONG' });
    });
  });

  describe('POST /', () => {
    it('runs one command and answers {result}', async () => {
      expect(await post('/', ['set', key('a'), 'hello', 'PX', 60_000])).toEqual({ status: 200, body: { result: 'OK' } });
      expect(await post('/', ['get', key('a')])).toEqual({ status: 200, body: { result: 'hello' } });
      expect(await post('/', ['get', key('missing')])).toEqual({ status: 200, body: { result: null } });
      expect(await post('/', ['incrby', key('n'), 5])).toEqual({ status: 200, body: { result: 5 } });
    });

    it('answers 400 {error} for a Redis error', async () => {
      await post('/', ['set', key('text'), 'abc']);
      const res = await post('/', ['incr', key('text')]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'ERR value is not an integer or out of range' });
    });

    it('answers 400 for malformed bodies and refused commands', async () => {
      for (const body of ['not json', '{"a":1}', '[]', '[["nested"]]', '["get", null]']) {
        const res = await post('/', body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: expect.stringMatching(/^ERR /) });
      }
      // They would change the state of, or block, the connection every request shares.
      for (const command of [['multi'], ['select', '1'], ['subscribe', 'x'], ['blpop', key('l'), '0']]) {
        expect(await post('/', command)).toEqual({ status: 400, body: { error: expect.stringMatching(/not supported/) } });
      }
    });

    it('answers 404 for an unknown endpoint', async () => {
      expect((await post('/nope', ['ping'])).status).toBe(404);
    });
  });

  describe('POST /pipeline', () => {
    it('runs the commands in order and reports each result or error', async () => {
      const res = await post('/pipeline', [
        ['set', key('p'), '1'],
        ['incr', key('p')],
        ['hset', key('p'), 'f', 'v'],
        ['mget', key('p'), key('missing')],
      ]);
      expect(res).toEqual({
        status: 200,
        body: [{ result: 'OK' }, { result: 2 }, { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }, { result: ['2', null] }],
      });
    });

    it('keeps concurrent requests apart on the shared connection', async () => {
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          post('/pipeline', [
            ['set', key(`c${i}`), `v${i}`],
            ['get', key(`c${i}`)],
          ]),
        ),
      );
      results.forEach((res, i) => expect(res.body).toEqual([{ result: 'OK' }, { result: `v${i}` }]));
    });
  });

  describe('POST /multi-exec', () => {
    it('runs the commands as a transaction', async () => {
      const res = await post('/multi-exec', [
        ['incr', key('t')],
        ['pexpire', key('t'), 60_000, 'NX'],
        ['incr', key('t')],
        ['pexpire', key('t'), 1, 'NX'],
        ['hget', key('t'), 'f'],
      ]);
      expect(res).toEqual({
        status: 200,
        body: [{ result: 1 }, { result: 1 }, { result: 2 }, { result: 0 }, { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
      });
    });

    it('discards the whole transaction when a command cannot be queued', async () => {
      const res = await post('/multi-exec', [['set', key('never'), 'x'], ['no-such-command']]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringMatching(/^EXECABORT .*unknown command/) });
      expect((await post('/', ['exists', key('never')])).body).toEqual({ result: 0 });
    });
  });

  describe('Upstash-Encoding: base64', () => {
    it('encodes string results as UTF-8 base64, leaving numbers and nulls alone', async () => {
      await post('/', ['set', key('u'), 'Malabo ñ € 🇬🇶']);
      expect((await post('/', ['get', key('u')], { base64: true })).body).toEqual({ result: b64('Malabo ñ € 🇬🇶') });
      expect((await post('/', ['ping'], { base64: true })).body).toEqual({ result: b64('PONG') });
      expect((await post('/', ['strlen', key('u')], { base64: true })).body).toEqual({ result: Buffer.byteLength('Malabo ñ € 🇬🇶') });
      expect((await post('/', ['get', key('missing')], { base64: true })).body).toEqual({ result: null });
    });

    it('encodes recursively inside arrays', async () => {
      const res = await post('/', ['eval', "return {1, 'a', {'b', {2, 'c'}}, false}", 0], { base64: true });
      // Lua false becomes a RESP null.
      expect(res.body).toEqual({ result: [1, b64('a'), [b64('b'), [2, b64('c')]], null] });
    });

    it('encodes pipeline and transaction results but never errors', async () => {
      await post('/', ['set', key('e'), 'x']);
      const expected = [{ result: b64('x') }, { error: 'ERR value is not an integer or out of range' }];
      expect(
        (
          await post(
            '/pipeline',
            [
              ['get', key('e')],
              ['incr', key('e')],
            ],
            { base64: true },
          )
        ).body,
      ).toEqual(expected);
      expect(
        (
          await post(
            '/multi-exec',
            [
              ['get', key('e')],
              ['incr', key('e')],
            ],
            { base64: true },
          )
        ).body,
      ).toEqual(expected);
      expect((await post('/', ['incr', key('e')], { base64: true })).body).toEqual({ error: expected[1]?.error });
    });
  });

  it('serves the @upstash/redis SDK with its default settings', async () => {
    const redis = new Redis({ url: bridge.url, token: bridge.token, enableTelemetry: false });
    await redis.set(key('sdk'), { ok: true, text: 'ñ' });
    expect(await redis.get(key('sdk'))).toEqual({ ok: true, text: 'ñ' });
    // Several calls in one tick travel together through /pipeline (auto-pipelining).
    const [pong, values, count] = await Promise.all([redis.ping(), redis.mget(key('sdk'), key('missing')), redis.incr(key('sdk-n'))]);
    expect([pong, values, count]).toEqual(['PONG', [{ ok: true, text: 'ñ' }, null], 1]);
    expect(await redis.multi().incr(key('sdk-n')).get(key('sdk-n')).exec()).toEqual([2, 2]);
  });

  it('answers 502 {error} while Redis is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const orphan = await startUpstashBridge({ redisUrl: `redis://127.0.0.1:${port}`, token: 't' });
    try {
      const res = await fetch(orphan.url, { method: 'POST', headers: { Authorization: 'Bearer t' }, body: '["ping"]' });
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      await orphan.close();
    }
  });

  it('selects the database named in the Redis URL', async () => {
    const db1 = await startUpstashBridge({ redisUrl: 'redis://127.0.0.1:6379/1', token: 't' });
    try {
      const call = async (body: unknown) =>
        (await fetch(db1.url, { method: 'POST', headers: { Authorization: 'Bearer t' }, body: JSON.stringify(body) })).json();
      await call(['set', key('db'), '1', 'PX', 60_000]);
      expect(await call(['exists', key('db')])).toEqual({ result: 1 });
      expect((await post('/', ['exists', key('db')])).body).toEqual({ result: 0 });
      await call(['del', key('db')]);
    } finally {
      await db1.close();
    }
  });
});
