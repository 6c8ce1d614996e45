/** Test support: a local HTTP server standing in for Mailgun or Twilio, recording each request and answering as told. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

/** An answer: a status with a JSON body, or `hang` (never answers, to exercise the adapter's deadline). */
export type FakeAnswer = { status: number; json?: unknown } | 'hang';

export interface FakeProviderServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order; once used up, every request gets 200 `{}`. */
  answer(...answers: FakeAnswer[]): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeProviderServer(): Promise<FakeProviderServer> {
  const requests: RecordedRequest[] = [];
  const queue: FakeAnswer[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        form: Object.fromEntries(new URLSearchParams(body)),
      });
      const next = queue.shift() ?? { status: 200, json: {} };
      if (next === 'hang') return;
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hanging requests included
        server.close(() => resolve());
      }),
  };
}

/** The user and password of a basic Authorization header. */
export function decodeBasicAuth(header: string | undefined): string {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match?.[1]) throw new Error(`expected a Basic Authorization header, got ${header === undefined ? 'none' : 'another scheme'}`);
  return Buffer.from(match[1], 'base64').toString('utf8');
}
