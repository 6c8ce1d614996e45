/** The Bank port over BANGE's HTTP API (or the sandbox, which speaks the same API): bearer key, idempotency keys, deadlines, answers checked with zod. */
import type { z } from 'zod';
import type { Bank, BankPayment, CreateBankPayment, StatementLine } from '../../ports/bank.port';
import {
  bangeErrorBodySchema,
  bankPaymentSchema,
  createPaymentBodySchema,
  describeIssues,
  idempotencyKeySchema,
  statementDateSchema,
  statementSchema,
  xafAmountSchema,
} from './bange-api.schemas';
import { BankError } from '../../ports/bank-errors';

export interface BangeHttpSettings {
  /** Base URL of the API, without `/v1`: `https://api.bange.example` or, locally, `http://localhost:8080/sandbox/bange`. */
  apiUrl: string;
  apiKey: string;
  /** Deadline of each call, answer body included. */
  timeoutMs: number;
}

const EXCERPT_MAX = 200;

function checkSettings(settings: BangeHttpSettings): URL {
  let url: URL;
  try {
    url = new URL(settings.apiUrl);
  } catch {
    throw new TypeError('BANGE_API_URL: expected an http(s) URL');
  }
  // Plain http stays possible for the sandbox behind a LAN address (demos on a phone); configuration requires https outside development.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('BANGE_API_URL: expected an http(s) URL');
  if (url.username || url.password) throw new TypeError('BANGE_API_URL: must not carry credentials; the API key goes in BANGE_API_KEY');
  if (typeof settings.apiKey !== 'string' || settings.apiKey.trim() === '') throw new TypeError('BANGE_API_KEY: expected a non-empty key');
  if (!Number.isInteger(settings.timeoutMs) || settings.timeoutMs <= 0) throw new TypeError('BANGE timeout: expected a positive whole number of milliseconds');
  return url;
}

// Duck-typed: fetch's errors may come from another realm (jest's sandbox), where `instanceof Error` fails.
function field(value: unknown, key: string): unknown {
  return value && typeof value === 'object' && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function hint(status: number): string {
  if (status === 401 || status === 403) return 'the API key was refused: check BANGE_API_KEY';
  if (status === 404) return 'not found: check BANGE_API_URL and the id';
  if (status === 409) return 'the idempotency key was already used for another request, or the payment is not in a state that allows this';
  if (status === 429) return 'rate limited: retry later with the same idempotency key';
  if (status >= 500) return 'bank error: retry later with the same idempotency key';
  return 'the bank refuses this request';
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export function createBangeHttpBank(settings: BangeHttpSettings): Bank {
  const base = checkSettings(settings).href.replace(/\/+$/, '');
  const { apiKey, timeoutMs } = settings;

  /** Whatever the bank (or a proxy in front of it) echoes must never carry our key into logs. */
  const scrub = (text: string): string => {
    const clean = text.split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
    return clean.length <= EXCERPT_MAX ? clean : `${clean.slice(0, EXCERPT_MAX - 1)}…`;
  };

  async function send(label: string, path: string, init: { method: 'GET' | 'POST'; body?: unknown; idempotencyKey?: string }): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
    try {
      const response = await fetch(`${base}${path}`, {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(timeoutMs),
        // A redirect would carry the key to a host nobody configured: reported, never followed.
        redirect: 'manual',
      });
      // Read under the same deadline: a bank that sends headers then stalls is a timeout too.
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type') ?? 'none', text };
    } catch (err) {
      const name = field(err, 'name');
      if (name === 'TimeoutError' || name === 'AbortError') throw new BankError('timeout', `BANGE ${label} did not answer within ${timeoutMs} ms`);
      const cause = field(err, 'cause');
      const code = field(cause, 'code') ?? field(cause, 'message');
      throw new BankError('unreachable', `BANGE ${label} could not be reached${typeof code === 'string' ? ` (${scrub(code).slice(0, 60)})` : ''}`);
    }
  }

  function parseJson(label: string, answer: Answer): unknown {
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      const excerpt = answer.text.trim() ? `: "${scrub(answer.text).slice(0, 60)}"` : ' (empty)';
      throw new BankError(
        'malformed_answer',
        `BANGE ${label} answered HTTP ${answer.status} with a body that is not JSON (content-type ${scrub(answer.contentType)})${excerpt}`,
        answer.status,
      );
    }
  }

  function failure(label: string, answer: Answer): BankError {
    if (answer.status >= 300 && answer.status < 400) {
      return new BankError(
        'refused',
        `BANGE ${label} answered a redirect (HTTP ${answer.status}); redirects are not followed so the API key stays with BANGE_API_URL: check that URL`,
        answer.status,
      );
    }
    let bodyDetail = '';
    let bankCode: string | undefined;
    try {
      const parsed = bangeErrorBodySchema.safeParse(JSON.parse(answer.text));
      if (parsed.success) {
        bankCode = scrub(parsed.data.error.code).slice(0, 60);
        bodyDetail = ` (${bankCode}: ${scrub(parsed.data.error.message)})`;
      }
    } catch {
      // An HTML error page from a proxy: the status says enough.
    }
    const kind = answer.status === 429 || answer.status >= 500 ? 'unavailable' : 'refused';
    return new BankError(kind, `BANGE ${label} answered HTTP ${answer.status}${bodyDetail}; ${hint(answer.status)}`, answer.status, bankCode);
  }

  function expect<T>(label: string, answer: Answer, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(parseJson(label, answer), { reportInput: true });
    // Issues name our schema's fields and never echo the bank's values, so they need no scrubbing.
    if (!parsed.success)
      throw new BankError(
        'malformed_answer',
        `BANGE ${label} answered HTTP ${answer.status} with a body that is not ${what}: ${describeIssues(parsed.error)}`,
        answer.status,
      );
    return parsed.data;
  }

  function refuseToSend(label: string, error: z.ZodError, root?: string): BankError {
    return new BankError('invalid_request', `Refusing to send BANGE ${label}: ${describeIssues(error, root)}`);
  }

  /** The bank must answer about the payment we asked about: anything else is a mix-up we must not act on. */
  function checkSame(label: string, got: BankPayment, want: Partial<Record<keyof BankPayment, string | number>>): BankPayment {
    const differences = Object.entries(want)
      .filter(([key, value]) => got[key as keyof BankPayment] !== value)
      .map(([key, value]) => `${key} ${JSON.stringify(got[key as keyof BankPayment])} instead of ${JSON.stringify(value)}`);
    if (differences.length) throw new BankError('malformed_answer', `BANGE ${label} answered about another payment: ${scrub(differences.join(', '))}`);
    return got;
  }

  const paymentPath = (id: string) => `/v1/payments/${encodeURIComponent(id)}`;

  return {
    async createPayment(request: CreateBankPayment): Promise<BankPayment> {
      const label = 'POST /v1/payments';
      const { idempotencyKey, ...fields } = request;
      const body = createPaymentBodySchema.safeParse(fields, { reportInput: true });
      if (!body.success) throw refuseToSend(label, body.error);
      const key = idempotencyKeySchema.safeParse(idempotencyKey, { reportInput: true });
      if (!key.success) throw refuseToSend(label, key.error, 'Idempotency-Key');
      const answer = await send(label, '/v1/payments', { method: 'POST', body: body.data, idempotencyKey: key.data });
      if (answer.status !== 200 && answer.status !== 201) throw failure(label, answer);
      const payment = expect(label, answer, bankPaymentSchema, 'a payment');
      const { reference, amount, currency, method } = body.data;
      return checkSame(label, payment, { reference, amount, currency, method });
    },

    async getPayment(id: string): Promise<BankPayment | undefined> {
      if (typeof id !== 'string' || id === '') throw new BankError('invalid_request', 'Refusing to ask BANGE for a payment without an id');
      const label = `GET ${paymentPath(id)}`;
      const answer = await send(label, paymentPath(id), { method: 'GET' });
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failure(label, answer);
      return checkSame(label, expect(label, answer, bankPaymentSchema, 'a payment'), { id });
    },

    async dailyStatement(date: string): Promise<StatementLine[]> {
      const day = statementDateSchema.safeParse(date, { reportInput: true });
      if (!day.success) throw refuseToSend('GET /v1/statements/{date}', day.error, 'date');
      const label = `GET /v1/statements/${day.data}`;
      const answer = await send(label, `/v1/statements/${day.data}`, { method: 'GET' });
      if (answer.status !== 200) throw failure(label, answer);
      const statement = expect(label, answer, statementSchema, 'a statement');
      if (statement.date !== day.data) throw new BankError('malformed_answer', `BANGE ${label} answered the statement of ${statement.date}`);
      return statement.lines;
    },

    async refund(id: string, amount: number, idempotencyKey: string, reference?: string): Promise<BankPayment> {
      const label = `POST ${paymentPath(id)}/refunds`;
      const checked = xafAmountSchema.safeParse(amount, { reportInput: true });
      if (!checked.success) throw refuseToSend(label, checked.error, 'amount');
      const key = idempotencyKeySchema.safeParse(idempotencyKey, { reportInput: true });
      if (!key.success) throw refuseToSend(label, key.error, 'Idempotency-Key');
      const answer = await send(label, `${paymentPath(id)}/refunds`, {
        method: 'POST',
        body: reference === undefined ? { amount: checked.data } : { amount: checked.data, reference },
        idempotencyKey: key.data,
      });
      if (answer.status !== 200 && answer.status !== 201) throw failure(label, answer);
      return checkSame(label, expect(label, answer, bankPaymentSchema, 'a payment'), { id });
    },
  };
}
