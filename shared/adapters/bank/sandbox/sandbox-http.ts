/** Request and answer plumbing of the sandbox's HTTP API: JSON bodies, BANGE-style errors, the bearer key, the delivery knobs. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { describeIssues, type BangeErrorBody } from '../bange-api.schemas';
import type { DeliveryKnobs } from './sandbox-webhooks.sender';
import { SandboxRefusal } from './sandbox-payments.store';

const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SandboxRefusal(413, 'request_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new SandboxRefusal(400, 'invalid_request', 'The body is not valid JSON.');
  }
  return parseWith(schema, value);
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, root?: string): T {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new SandboxRefusal(400, 'invalid_request', describeIssues(parsed.error, root));
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendRefusal(res: ServerResponse, refusal: SandboxRefusal) {
  const body: BangeErrorBody = { error: { code: refusal.code, message: refusal.message } };
  sendJson(res, refusal.status, body);
}

/** Compares digests, so the comparison is constant-time whatever the lengths. */
export function bearerMatches(authorization: string | undefined, apiKey: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(apiKey));
}

const flag = z.enum(['0', '1', 'true', 'false'], { error: 'expected 0 or 1' }).transform((v) => v === '1' || v === 'true');
const wholeIn = (min: number, max: number) => {
  const expected = `expected a whole number between ${min} and ${max}`;
  return z.string().regex(/^\d+$/, expected).transform(Number).pipe(z.number().min(min, expected).max(max, expected));
};

const knobsSchema = z.object({
  duplicates: wholeIn(1, 10).default(1),
  delayMs: wholeIn(0, 60_000).default(0),
  outOfOrder: flag.default(false),
  webhook: flag.default(true),
});

export interface SandboxKnobs extends DeliveryKnobs {
  /** False: the money moves but no webhook is sent (a missing webhook, for reconciliation). */
  webhook: boolean;
}

/** `?duplicates=N&delayMs=…&outOfOrder=1&webhook=0` on pay, decline and refund. */
export function parseKnobs(query: URLSearchParams): SandboxKnobs {
  const knobs = parseWith(knobsSchema, Object.fromEntries(query));
  return { duplicates: knobs.duplicates, delayMs: knobs.delayMs, hold: knobs.outOfOrder, webhook: knobs.webhook };
}
