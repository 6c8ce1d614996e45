/** Test support: a tiny webhook endpoint that verifies BANGE signatures over the raw body and records what arrived, answering as told. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BangeWebhookEvent } from '../../../ports/bank.port';
import { verifyBangeSignature, WebhookSignatureError } from '../bange-signature';

export interface ReceivedWebhook {
  /** The exact bytes received. */
  rawBody: string;
  event: BangeWebhookEvent;
  /** The verified signature timestamp; null when the signature was refused. */
  timestamp: number | null;
  refusal: string | null;
  /** Milliseconds since the receiver started. */
  atMs: number;
}

/** A status to answer with, or `drop` (close the connection without answering, as a crashed receiver would). */
export type ReceiverAnswer = number | 'drop';

export interface FakeWebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers for the next deliveries, in order; once used up, every delivery gets 200. */
  answer(...answers: ReceiverAnswer[]): void;
  close(): Promise<void>;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeWebhookReceiver(options: { secrets: string[]; now?: () => Date }): Promise<FakeWebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const queue: ReceiverAnswer[] = [];
  const started = Date.now();
  const server = createServer((req, res) => {
    void readRaw(req).then((raw) => {
      let timestamp: number | null = null;
      let refusal: string | null = null;
      try {
        timestamp = verifyBangeSignature({
          rawBody: raw,
          header: req.headers['x-bange-signature'],
          secrets: options.secrets,
          now: options.now?.() ?? new Date(),
        });
      } catch (err) {
        if (!(err instanceof WebhookSignatureError)) throw err;
        refusal = err.reason;
      }
      received.push({
        rawBody: raw.toString('utf8'),
        event: JSON.parse(raw.toString('utf8')) as BangeWebhookEvent,
        timestamp,
        refusal,
        atMs: Date.now() - started,
      });
      const next = queue.shift() ?? 200;
      if (next === 'drop') return void req.socket.destroy();
      res.writeHead(refusal ? 401 : next, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/bange`,
    received,
    answer: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
