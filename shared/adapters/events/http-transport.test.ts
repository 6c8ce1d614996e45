/** The node:http(s) transport against a local server: status and body, request body and headers, aborts, and the protocols it takes. */
import { createServer, type Server } from 'node:http';
import { describeError, nodeHttp } from './http-transport';

let server: Server;
let base: string;
const received: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body });
      // Far later than any bound below, so only the caller's signal can end the request first; unref'd so it holds nothing open.
      if (req.url === '/slow') setTimeout(() => res.end('late'), 10_000).unref();
      else res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' }).end(`échoed ${body.length} chars`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

it('sends the method, headers and body with its length, and answers status and UTF-8 text', async () => {
  const body = JSON.stringify({ data: 'Ñ' });
  const answer = await nodeHttp(`${base}/v1/x:publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(2_000),
  });
  expect(answer).toEqual({ status: 200, text: `échoed ${body.length} chars` });
  expect(received.at(-1)).toMatchObject({
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  expect(await nodeHttp(`${base}/missing`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(2_000) })).toMatchObject({ status: 404 });
});

it('stops at its signal', async () => {
  const started = Date.now();
  await expect(nodeHttp(`${base}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'AbortError' });
  expect(Date.now() - started).toBeLessThan(5_000);
  await expect(nodeHttp(`${base}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.abort(new Error('given up')) })).rejects.toThrow('given up');
});

it('speaks TLS to https URLs and refuses other protocols', async () => {
  // The local server speaks plain HTTP: the TLS handshake fails, which shows https was used.
  await expect(nodeHttp(base.replace('http:', 'https:'), { method: 'GET', headers: {}, signal: AbortSignal.timeout(2_000) })).rejects.toMatchObject({
    code: expect.stringMatching(/^(EPROTO|ERR_SSL_)/),
  });
  await expect(nodeHttp('ftp://127.0.0.1/x', { method: 'GET', headers: {}, signal: AbortSignal.timeout(2_000) })).rejects.toThrow(
    'unsupported protocol ftp: in ftp://127.0.0.1/x',
  );
});

it('describes a failure in one line, its cause included', () => {
  expect(describeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('connect ECONNREFUSED 127.0.0.1:1');
  expect(describeError(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }))).toBe('fetch failed (ENOTFOUND)');
  expect(describeError(new Error('aborted', { cause: new Error('timed out') }))).toBe('aborted (timed out)');
  expect(describeError('plain')).toBe('plain');
});
