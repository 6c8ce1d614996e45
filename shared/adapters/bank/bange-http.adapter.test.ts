import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFixedClock } from '../../ports/clock.port';
import { createSequentialIds } from '../../ports/ids.port';
import type { Bank, CreateBankPayment } from '../../ports/bank.port';
import { createBangeHttpBank } from './bange-http.adapter';
import { BankError } from '../../ports/bank-errors';
import { startBangeSandboxServer, type BangeSandboxServer } from './sandbox/bange-sandbox-server';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from './sandbox/fake-webhook-receiver';

const API_KEY = 'sk_test_adapter_5f1c0e9d8b7a';
const WEBHOOK_SECRET = 'whsec_test_adapter_0123456789';

/** What the adapter throws, for assertions on kind, status and message. */
async function failure(promise: Promise<unknown>): Promise<BankError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BankError);
    expect((err as Error).message).not.toContain(API_KEY);
    expect((err as Error).stack).not.toContain(API_KEY);
    return err as BankError;
  }
  throw new Error('expected the call to fail');
}

describe('BANGE HTTP adapter against the sandbox', () => {
  const clock = createFixedClock('2026-01-15T09:00:00.000Z');
  let server: BangeSandboxServer;
  let receiver: FakeWebhookReceiver;
  let bank: Bank;
  let request: CreateBankPayment;

  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver({ secrets: [WEBHOOK_SECRET], now: clock.now });
    server = await startBangeSandboxServer({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET, clock, ids: createSequentialIds(), retryDelaysMs: [10] });
    bank = createBangeHttpBank({ apiUrl: server.apiUrl, apiKey: API_KEY, timeoutMs: 2000 });
    request = {
      reference: 'PAY-2026-000001',
      amount: 150_000,
      currency: 'XAF',
      method: 'bange_card',
      description: 'DCL-2026-000001 T-001',
      callbackUrl: receiver.url,
      returnUrl: 'https://app.taxasge.gq/payments/1',
      idempotencyKey: 'user-1:key-1',
    };
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('creates, is paid on the checkout, reports it, lists it on the statement, refunds partially and refuses too much', async () => {
    const created = await bank.createPayment(request);
    expect(created).toEqual({
      id: expect.stringMatching(/^pay_/),
      reference: 'PAY-2026-000001',
      amount: 150_000,
      currency: 'XAF',
      method: 'bange_card',
      status: 'pending',
      checkoutUrl: `${server.url}/sandbox/bange/checkout/${created.id}`,
      paidAt: null,
      refundedAmount: 0,
      refunds: [],
    });
    // The same key and request: the same payment, not a second one.
    expect((await bank.createPayment(request)).id).toBe(created.id);

    const page = await fetch(created.checkoutUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('150 000 XAF');
    expect(html).toContain('PAY-2026-000001');
    expect(html).toContain('Card');

    const paid = await fetch(`${created.checkoutUrl}/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);
    expect(await bank.getPayment(created.id)).toMatchObject({ status: 'succeeded', paidAt: '2026-01-15T09:00:00.000Z', refundedAmount: 0 });

    expect(await bank.dailyStatement('2026-01-15')).toEqual([
      { transactionId: created.id, reference: 'PAY-2026-000001', type: 'payment', amount: 150_000, currency: 'XAF', at: '2026-01-15T09:00:00.000Z' },
    ]);
    expect(await bank.dailyStatement('2026-01-14')).toEqual([]);

    expect(await bank.refund(created.id, 50_000, 'refund-1')).toMatchObject({ status: 'succeeded', refundedAmount: 50_000 });
    // A retry of the same refund moves no more money.
    expect(await bank.refund(created.id, 50_000, 'refund-1')).toMatchObject({ refundedAmount: 50_000 });
    const tooMuch = await failure(bank.refund(created.id, 100_001, 'refund-2'));
    expect(tooMuch).toMatchObject({ kind: 'refused', status: 400, bankCode: 'amount_exceeds_refundable', retryable: false });
    expect(tooMuch.message).toContain('exceeds the 100000 XAF still refundable');
    const all = await bank.refund(created.id, 100_000, 'refund-3', 'our-refund-3');
    expect(all).toMatchObject({ status: 'refunded', refundedAmount: 150_000 });
    // Each refund has BANGE's id and the reference we sent (none: the first was sent without one).
    expect(all.refunds).toEqual([
      { id: expect.stringMatching(/^re_/), amount: 50_000, reference: null, createdAt: '2026-01-15T09:00:00.000Z' },
      { id: expect.stringMatching(/^re_/), amount: 100_000, reference: 'our-refund-3', createdAt: '2026-01-15T09:00:00.000Z' },
    ]);

    expect((await bank.dailyStatement('2026-01-15')).map((l) => [l.type, l.amount])).toEqual([
      ['payment', 150_000],
      ['refund', 50_000],
      ['refund', 100_000],
    ]);
    await server.sandbox.settle();
    expect(
      receiver.received.map((r) => [r.event.type, r.event.data.amount, r.event.data.refundId ?? null, r.event.data.refundReference ?? null, r.refusal]),
    ).toEqual([
      ['payment.succeeded', 150_000, null, null, null],
      ['payment.refunded', 50_000, all.refunds![0]!.id, null, null],
      ['payment.refunded', 100_000, all.refunds![1]!.id, 'our-refund-3', null],
    ]);
  });

  it('answers undefined for a payment the bank does not know', async () => {
    expect(await bank.getPayment('pay_unknown')).toBeUndefined();
  });

  it('reports a key reused for another request as refused by the bank', async () => {
    const reused = await failure(
      bank
        .createPayment({ ...request, idempotencyKey: 'user-1:key-9' })
        .then(() => bank.createPayment({ ...request, amount: 1, idempotencyKey: 'user-1:key-9' })),
    );
    expect(reused).toMatchObject({ kind: 'refused', status: 409, bankCode: 'idempotency_key_reused' });
  });

  it('reports a wrong API key without repeating any key', async () => {
    const wrong = createBangeHttpBank({ apiUrl: server.apiUrl, apiKey: 'sk_wrong_key_123', timeoutMs: 2000 });
    const err = await failure(wrong.getPayment('pay_1'));
    expect(err).toMatchObject({ kind: 'refused', status: 401, bankCode: 'unauthorized' });
    expect(err.message).toContain('check BANGE_API_KEY');
    expect(err.message).not.toContain('sk_wrong_key_123');
  });

  it.each([
    ['a fractional amount', { amount: 1500.5 }, /amount: expected a whole number of XAF/],
    ['a zero amount', { amount: 0 }, /amount: expected a positive amount/],
    ['another currency', { currency: 'EUR' as 'XAF' }, /currency: expected XAF/],
    ['a callback URL that is not http(s)', { callbackUrl: 'javascript:alert(1)' }, /callbackUrl: expected an http\(s\) URL/],
    ['an empty idempotency key', { idempotencyKey: ' ' }, /Idempotency-Key: expected a non-empty idempotency key/],
  ])('refuses to send %s', async (_name, over, message) => {
    const err = await failure(bank.createPayment({ ...request, ...over }));
    expect(err).toMatchObject({ kind: 'invalid_request', retryable: false });
    expect(err.message).toMatch(message);
  });

  it('refuses to send a fractional refund or a malformed statement date', async () => {
    expect((await failure(bank.refund('pay_1', 10.5, 'k'))).message).toMatch(/amount: expected a whole number of XAF/);
    expect((await failure(bank.dailyStatement('2026-02-30'))).message).toMatch(/date: expected a day that exists/);
    expect((await failure(bank.dailyStatement('15/01/2026'))).message).toMatch(/date: expected a day as YYYY-MM-DD/);
  });

  it.each([
    ['not a URL', 'bange'],
    ['credentials in the URL', 'https://user:pass@bange.example'],
    ['another protocol', 'ftp://bange.example'],
  ])('refuses settings with %s', (_name, apiUrl) => {
    expect(() => createBangeHttpBank({ apiUrl, apiKey: API_KEY, timeoutMs: 1000 })).toThrow(/BANGE_API_URL/);
  });

  it('refuses an empty key or a bad timeout', () => {
    expect(() => createBangeHttpBank({ apiUrl: 'https://bange.example', apiKey: '', timeoutMs: 1000 })).toThrow(/BANGE_API_KEY/);
    expect(() => createBangeHttpBank({ apiUrl: 'https://bange.example', apiKey: API_KEY, timeoutMs: 0 })).toThrow(/timeout/);
  });
});

/** A bank that answers each request as told: status, headers, raw text (or hangs). */
type Scripted = { status: number; text?: string; json?: unknown; headers?: Record<string, string> } | 'hang';

describe('BANGE HTTP adapter against a misbehaving bank', () => {
  let server: Server;
  let apiUrl: string;
  let next: Scripted;
  const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (next === 'hang') return;
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
        res.end(next.text ?? JSON.stringify(next.json ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (seen.length = 0));

  // Answers are waited for as long as a busy machine needs; only the deadline case uses a short one.
  const bank = (timeoutMs = 10_000) => createBangeHttpBank({ apiUrl, apiKey: API_KEY, timeoutMs });
  const payment = {
    id: 'pay_1',
    reference: 'PAY-1',
    amount: 2000,
    currency: 'XAF',
    method: 'bange_wallet',
    status: 'pending',
    checkoutUrl: 'https://bange.example/c/pay_1',
    paidAt: null,
    refundedAmount: 0,
  };
  const create: CreateBankPayment = {
    reference: 'PAY-1',
    amount: 2000,
    currency: 'XAF',
    method: 'bange_wallet',
    description: 'd',
    callbackUrl: 'https://api.taxasge.gq/webhooks/bange',
    idempotencyKey: 'k-1',
  };

  it('sends the bearer key, the idempotency key and JSON to <base>/v1/payments', async () => {
    next = { status: 201, json: payment };
    await bank().createPayment(create);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/api/v1/payments',
        headers: expect.objectContaining({
          authorization: `Bearer ${API_KEY}`,
          'idempotency-key': 'k-1',
          'content-type': 'application/json',
          accept: 'application/json',
        }),
        body: JSON.stringify({
          reference: 'PAY-1',
          amount: 2000,
          currency: 'XAF',
          method: 'bange_wallet',
          description: 'd',
          callbackUrl: 'https://api.taxasge.gq/webhooks/bange',
        }),
      },
    ]);
  });

  it('sends an idempotency key on refunds, none on reads, and escapes ids in paths', async () => {
    next = { status: 200, json: { ...payment, id: 'pay/1?x', status: 'succeeded', paidAt: '2026-01-15T09:00:00Z', refundedAmount: 500 } };
    await bank().refund('pay/1?x', 500, 'refund-k');
    next = { status: 200, json: { ...payment, id: 'pay/1?x' } };
    await bank().getPayment('pay/1?x');
    expect(seen.map((s) => [s.method, s.url, s.headers['idempotency-key'], s.body])).toEqual([
      ['POST', '/api/v1/payments/pay%2F1%3Fx/refunds', 'refund-k', '{"amount":500}'],
      ['GET', '/api/v1/payments/pay%2F1%3Fx', undefined, ''],
    ]);
  });

  const malformed: [string, Scripted, RegExp][] = [
    [
      'a body that is not JSON',
      { status: 200, text: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } },
      /not JSON \(content-type text\/html\): "<html>Bad gateway<\/html>"/,
    ],
    ['an empty body', { status: 200, text: '' }, /not JSON \(content-type application\/json\) \(empty\)/],
    [
      'missing fields',
      { status: 200, json: { id: 'pay_1', reference: 'PAY-1' } },
      /not a payment: amount: missing; currency: missing; method: missing; status: missing; checkoutUrl: missing; paidAt: missing; and 1 more$/,
    ],
    ['a fractional amount', { status: 200, json: { ...payment, amount: 2000.5 } }, /amount: expected a whole number of XAF/],
    ['an unknown status', { status: 200, json: { ...payment, status: 'settled' } }, /status: /],
    ['more refunded than paid', { status: 200, json: { ...payment, refundedAmount: 3000 } }, /refundedAmount: expected no more than the amount paid/],
    ['a bad date', { status: 200, json: { ...payment, paidAt: 'yesterday' } }, /paidAt: expected an ISO 8601 date-time/],
    ['another payment', { status: 200, json: { ...payment, id: 'pay_2' } }, /answered about another payment: id "pay_2" instead of "pay_1"/],
    ['an echo of our key', { status: 200, text: `oops ${API_KEY}` }, /"oops \[redacted\]"/],
  ];

  it.each(malformed)('rejects %s with what was wrong', async (_name, answer, message) => {
    next = answer;
    const err = await failure(bank().getPayment('pay_1'));
    expect(err).toMatchObject({ kind: 'malformed_answer', retryable: false });
    expect(err.message).toMatch(/^BANGE GET \/v1\/payments\/pay_1 answered/);
    expect(err.message).toMatch(message);
  });

  it('rejects a created payment that is not the one asked for', async () => {
    next = { status: 201, json: { ...payment, amount: 1000 } };
    expect((await failure(bank().createPayment(create))).message).toMatch(/another payment: amount 1000 instead of 2000/);
  });

  it('rejects a statement that is not one, or of another day', async () => {
    next = {
      status: 200,
      json: { date: '2026-01-15', lines: [{ transactionId: 't', reference: 'r', type: 'payment', amount: -5, currency: 'XAF', at: '2026-01-15T10:00:00Z' }] },
    };
    expect((await failure(bank().dailyStatement('2026-01-15'))).message).toMatch(/not a statement: lines\.0\.amount: expected a positive amount/);
    next = { status: 200, json: { date: '2026-01-14', lines: [] } };
    expect((await failure(bank().dailyStatement('2026-01-15'))).message).toMatch(/answered the statement of 2026-01-14/);
  });

  it.each([
    [500, { error: { code: 'internal', message: 'database down' } }, /HTTP 500 \(internal: database down\); bank error: retry later/],
    [503, undefined, /HTTP 503; bank error/],
    [429, undefined, /HTTP 429; rate limited/],
  ])('reports HTTP %i as unavailable and retryable', async (status, json, message) => {
    next = { status, json };
    const err = await failure(bank().createPayment(create));
    expect(err).toMatchObject({ kind: 'unavailable', status, retryable: true });
    expect(err.message).toMatch(message);
  });

  it('scrubs our key from error messages the bank echoes', async () => {
    next = { status: 400, json: { error: { code: 'bad_header', message: `Authorization Bearer ${API_KEY} is malformed` } } };
    expect((await failure(bank().createPayment(create))).message).toContain('Authorization Bearer [redacted] is malformed');
  });

  it('does not follow redirects, so the key never goes elsewhere', async () => {
    next = { status: 302, headers: { location: 'https://elsewhere.example/steal' } };
    const err = await failure(bank().getPayment('pay_1'));
    expect(err).toMatchObject({ kind: 'refused', status: 302 });
    expect(err.message).toMatch(/redirects are not followed/);
    expect(seen).toHaveLength(1);
  });

  it('gives up after the deadline', async () => {
    next = 'hang';
    const started = Date.now();
    const err = await failure(bank(300).getPayment('pay_1'));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(err.message).toBe('BANGE GET /v1/payments/pay_1 did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a bank that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(createBangeHttpBank({ apiUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY, timeoutMs: 1000 }).getPayment('pay_1'));
    expect(err).toMatchObject({ kind: 'unreachable', retryable: true });
    expect(err.message).toBe('BANGE GET /v1/payments/pay_1 could not be reached (ECONNREFUSED)');
  });
});
