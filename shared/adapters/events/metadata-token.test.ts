/** Tokens from a fake metadata server over real HTTP: the header it requires, caching until shortly before expiry, one request for concurrent callers, errors. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createMetadataTokenSource } from './metadata-token';

interface Seen {
  path: string;
  flavor: string | undefined;
}

let server: Server;
let url: string;
const seen: Seen[] = [];
/** What the next request gets: status and body, and how long the server waits before answering. */
let reply: { status: number; body: string; delayMs?: number };
let issued = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ path: req.url ?? '', flavor: req.headers['metadata-flavor'] as string | undefined });
    // Like the real server: no Metadata-Flavor header, no token.
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
      return;
    }
    const { status, body, delayMs = 0 } = reply;
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/computeMetadata/v1/instance/service-accounts/default/token`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen.length = 0;
  reply = { status: 200, body: JSON.stringify({ access_token: `token-${++issued}`, expires_in: 3599, token_type: 'Bearer' }) };
});

it('asks with the Metadata-Flavor header and reuses the token until a minute before it expires', async () => {
  let clock = 1_000_000;
  const source = createMetadataTokenSource({ url, now: () => clock });
  const first = await source.token();
  expect(first).toMatch(/^token-\d+$/);
  expect(seen).toEqual([{ path: '/computeMetadata/v1/instance/service-accounts/default/token', flavor: 'Google' }]);

  clock += 3_599_000 - 60_000 - 1;
  expect(await source.token()).toBe(first);
  expect(seen).toHaveLength(1);

  reply = { status: 200, body: JSON.stringify({ access_token: 'renewed', expires_in: 3599 }) };
  clock += 1;
  expect(await source.token()).toBe('renewed');
  expect(seen).toHaveLength(2);
});

it('makes one request for callers that ask at the same time', async () => {
  reply = { ...reply, delayMs: 30 };
  const source = createMetadataTokenSource({ url });
  const tokens = await Promise.all([source.token(), source.token(), source.token()]);
  expect(new Set(tokens).size).toBe(1);
  expect(seen).toHaveLength(1);
});

it('does not keep a token that expires within the margin', async () => {
  reply = { status: 200, body: JSON.stringify({ access_token: 'short-lived', expires_in: 30 }) };
  const source = createMetadataTokenSource({ url });
  expect(await source.token()).toBe('short-lived');
  expect(await source.token()).toBe('short-lived');
  expect(seen).toHaveLength(2);
});

it('rejects with what the server said, and asks again next time', async () => {
  reply = { status: 404, body: 'Not Found' };
  const source = createMetadataTokenSource({ url });
  await expect(source.token()).rejects.toThrow('the metadata server answered HTTP 404 for a token: Not Found');
  reply = { status: 200, body: 'not json' };
  await expect(source.token()).rejects.toThrow("the metadata server's token answer is not JSON: not json");
  reply = { status: 200, body: JSON.stringify({ token_type: 'Bearer' }) };
  await expect(source.token()).rejects.toThrow("the metadata server's token answer has no access_token and expires_in");
  reply = { status: 200, body: JSON.stringify({ access_token: 'at-last', expires_in: 3599 }) };
  expect(await source.token()).toBe('at-last');
  expect(seen).toHaveLength(4);
});

it('gives up on a server that does not answer, and a caller stops waiting at its own signal', async () => {
  reply = { ...reply, delayMs: 500 };
  const slow = createMetadataTokenSource({ url, timeoutMs: 50 });
  await expect(slow.token()).rejects.toThrow('the metadata server gave no token: no answer within 50 ms');
  const closed = createMetadataTokenSource({ url: 'http://127.0.0.1:1/token' });
  await expect(closed.token()).rejects.toThrow(/^the metadata server gave no token: connect ECONNREFUSED 127\.0\.0\.1:1$/);

  const patient = createMetadataTokenSource({ url });
  const started = Date.now();
  await expect(patient.token(AbortSignal.timeout(40))).rejects.toThrow(/timeout/i);
  expect(Date.now() - started).toBeLessThan(3000);
  await expect(patient.token(AbortSignal.abort(new Error('caller gave up')))).rejects.toThrow('caller gave up');
});
