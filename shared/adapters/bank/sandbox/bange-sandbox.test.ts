import { createFixedClock } from '../../../ports/clock.port';
import { createSequentialIds } from '../../../ports/ids.port';
import type { BankPayment } from '../../../ports/bank.port';
import { bangeWebhookEventSchema } from '../bange-api.schemas';
import { createBangeSandbox } from './bange-sandbox';
import { startBangeSandboxServer, type BangeSandboxServer } from './bange-sandbox-server';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from './fake-webhook-receiver';

const API_KEY = 'sk_test_sandbox_0a1b2c3d';
const SECRET = 'whsec_test_sandbox_0123456789';
const clock = createFixedClock('2026-01-15T09:00:00.000Z');

let server: BangeSandboxServer;
let receiver: FakeWebhookReceiver;
let counter = 0;

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver({ secrets: [SECRET], now: clock.now });
  server = await startBangeSandboxServer({
    apiKey: API_KEY,
    webhookSecret: SECRET,
    clock,
    ids: createSequentialIds(),
    retryDelaysMs: [30, 60],
    deliveryTimeoutMs: 1000,
  });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});
afterEach(() => server.sandbox.settle());

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

async function createPayment(over: Record<string, unknown> = {}): Promise<BankPayment> {
  counter += 1;
  const body = {
    reference: `PAY-2026-${String(counter).padStart(6, '0')}`,
    amount: 25_000,
    currency: 'XAF',
    method: 'bange_wallet',
    description: 'Licencia comercial',
    callbackUrl: receiver.url,
    ...over,
  };
  const created = await api('POST', '/v1/payments', body, { 'idempotency-key': `key-${counter}` });
  expect(created.status).toBe(201);
  return created.json as unknown as BankPayment;
}

/** The sandbox's delivery attempts of one payment's webhooks, oldest first. */
const deliveriesOf = (transactionId: string) => server.sandbox.deliveries().filter((d) => d.transactionId === transactionId);
const checkout = (id: string, action: 'pay' | 'decline', query = '') => fetch(`${server.apiUrl}/checkout/${id}/${action}${query}`, { method: 'POST' });

describe('BANGE sandbox webhooks', () => {
  it('pays and delivers one signed payment.succeeded with the body of product.md', async () => {
    const p = await createPayment();
    const paid = await checkout(p.id, 'pay');
    expect(paid.status).toBe(200);
    const answer = (await paid.json()) as { payment: BankPayment; webhook: { eventId: string } };
    expect(answer.payment).toMatchObject({ id: p.id, status: 'succeeded', paidAt: '2026-01-15T09:00:00.000Z' });
    await server.sandbox.settle();

    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery?.refusal).toBeNull();
    expect(delivery?.timestamp).toBe(clock.now().getTime() / 1000);
    expect(bangeWebhookEventSchema.parse(delivery?.event)).toEqual({
      id: answer.webhook.eventId,
      type: 'payment.succeeded',
      createdAt: '2026-01-15T09:00:00.000Z',
      data: { transactionId: p.id, reference: p.reference, amount: 25_000, currency: 'XAF', method: 'bange_wallet', paidAt: '2026-01-15T09:00:00.000Z' },
    });
    expect(delivery?.event.id).toMatch(/^evt_/);
  });

  it('delivers duplicates=3 as three identical deliveries of one event id', async () => {
    const p = await createPayment();
    await checkout(p.id, 'pay', '?duplicates=3');
    await server.sandbox.settle();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.event.id)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    expect(receiver.received.every((r) => r.refusal === null)).toBe(true);
    const attempts = deliveriesOf(p.id);
    expect(attempts.map((a) => [a.copy, a.attempt, a.status]).sort()).toEqual([
      [1, 1, 200],
      [2, 1, 200],
      [3, 1, 200],
    ]);
  });

  it('honours delayMs: the answer comes at once, the webhook later', async () => {
    const p = await createPayment();
    const started = Date.now();
    // A delay far longer than a loaded machine takes to answer, so the order below holds in every run.
    await checkout(p.id, 'pay', '?delayMs=5000');
    expect(Date.now() - started).toBeLessThan(4_500);
    expect(receiver.received).toHaveLength(0);
    await server.sandbox.settle();
    expect(receiver.received).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_990);
  });

  it('retries on 500, then stops at the first success', async () => {
    const p = await createPayment();
    receiver.answer(500, 500);
    await checkout(p.id, 'pay');
    await server.sandbox.settle();
    expect(deliveriesOf(p.id).map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    // Each attempt is signed anew and verifies.
    expect(receiver.received.map((r) => r.refusal)).toEqual([null, null, null]);
  });

  it('retries when the receiver drops the connection, records the error, and gives up after the last retry', async () => {
    const p = await createPayment();
    receiver.answer('drop', 503, 503);
    await checkout(p.id, 'pay');
    await server.sandbox.settle();
    const attempts = deliveriesOf(p.id);
    expect(attempts.map((d) => [d.attempt, d.status])).toEqual([
      [1, null],
      [2, 503],
      [3, 503],
    ]);
    expect(attempts[0]?.error).toEqual(expect.any(String));
  });

  it('does not retry a 4xx: the receiver refused the webhook itself', async () => {
    const p = await createPayment();
    receiver.answer(400);
    await checkout(p.id, 'pay');
    await server.sandbox.settle();
    expect(deliveriesOf(p.id).map((d) => d.status)).toEqual([400]);
  });

  it('sends payment.failed on a decline, and a later pay (the payer tries again) sends payment.succeeded', async () => {
    const p = await createPayment();
    const declined = await checkout(p.id, 'decline');
    expect(((await declined.json()) as { payment: BankPayment }).payment).toMatchObject({ status: 'failed', paidAt: null });
    await server.sandbox.settle();
    expect(receiver.received.map((r) => [r.event.type, r.event.data.paidAt])).toEqual([['payment.failed', null]]);

    expect((await checkout(p.id, 'pay')).status).toBe(200);
    await server.sandbox.settle();
    expect(receiver.received.map((r) => r.event.type)).toEqual(['payment.failed', 'payment.succeeded']);
    expect((await checkout(p.id, 'decline')).status).toBe(409);
    const again = await checkout(p.id, 'pay');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('payment_not_payable');
  });

  it('holds events with outOfOrder=1 and releases them newest first', async () => {
    const a = await createPayment();
    const b = await createPayment();
    await checkout(a.id, 'decline', '?outOfOrder=1');
    await checkout(a.id, 'pay', '?outOfOrder=1');
    await checkout(b.id, 'pay', '?outOfOrder=1');
    await server.sandbox.settle();
    expect(receiver.received).toHaveLength(0);
    expect((await api('GET', '/v1/deliveries?transactionId=none')).json).toEqual({ items: [], held: 3 });

    expect((await api('POST', '/v1/webhooks/release')).json).toEqual({ released: 3 });
    await server.sandbox.settle();
    expect(receiver.received.map((r) => [r.event.data.transactionId, r.event.type])).toEqual([
      [b.id, 'payment.succeeded'],
      [a.id, 'payment.succeeded'],
      [a.id, 'payment.failed'],
    ]);
  });

  it('pays without a webhook with webhook=0, leaving the statement line to be found by reconciliation', async () => {
    const p = await createPayment();
    const paid = (await (await checkout(p.id, 'pay', '?webhook=0')).json()) as { webhook: unknown };
    expect(paid.webhook).toBeNull();
    await server.sandbox.settle();
    expect(receiver.received).toHaveLength(0);
    const statement = await api('GET', '/v1/statements/2026-01-15');
    expect(statement.json.lines).toContainEqual(expect.objectContaining({ transactionId: p.id, type: 'payment', amount: 25_000 }));
  });

  it.each([
    ['?duplicates=0', /duplicates: expected a whole number between 1 and 10/],
    ['?delayMs=soon', /delayMs: expected a whole number between 0 and 60000/],
    ['?webhook=no', /webhook: expected 0 or 1/],
  ])('refuses the knob %s', async (query, message) => {
    const p = await createPayment();
    const answer = await checkout(p.id, 'pay', query);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(message);
  });
});

describe('BANGE sandbox refunds and statements', () => {
  it('refunds partially, never more than paid, and sends payment.refunded with the refunded amount', async () => {
    const p = await createPayment({ amount: 10_000 });
    expect((await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 100 }, { 'idempotency-key': 'r-0' })).json.error?.code).toBe('payment_not_refundable');
    await checkout(p.id, 'pay');
    const partial = await api('POST', `/v1/payments/${p.id}/refunds?duplicates=2`, { amount: 4_000 }, { 'idempotency-key': 'r-1' });
    expect(partial.status).toBe(201);
    expect(partial.json).toMatchObject({ status: 'succeeded', refundedAmount: 4_000 });
    const replay = await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 4_000 }, { 'idempotency-key': 'r-1' });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.json.refundedAmount]).toEqual([200, 'true', 4_000]);
    expect((await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 5_000 }, { 'idempotency-key': 'r-1' })).json.error?.code).toBe(
      'idempotency_key_reused',
    );

    const tooMuch = await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 6_001 }, { 'idempotency-key': 'r-2' });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.json.error).toEqual({
      code: 'amount_exceeds_refundable',
      message: expect.stringContaining('6001 XAF exceeds the 6000 XAF still refundable'),
    });
    expect((await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 60.5 }, { 'idempotency-key': 'r-3' })).json.error?.message).toMatch(
      /amount: expected a whole number of XAF/,
    );
    expect((await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 1 })).json.error?.code).toBe('idempotency_key_required');
    expect((await api('POST', `/v1/payments/${p.id}/refunds`, { amount: 6_000 }, { 'idempotency-key': 'r-4' })).json).toMatchObject({
      status: 'refunded',
      refundedAmount: 10_000,
    });

    await server.sandbox.settle();
    expect(receiver.received.map((r) => [r.event.type, r.event.data.amount])).toEqual([
      ['payment.succeeded', 10_000],
      ['payment.refunded', 4_000],
      ['payment.refunded', 4_000],
      ['payment.refunded', 6_000],
    ]);
    const lines = (await api('GET', '/v1/statements/2026-01-15')).json.lines as { transactionId: string; type: string; amount: number }[];
    expect(lines.filter((l) => l.transactionId === p.id).map((l) => [l.type, l.amount])).toEqual([
      ['payment', 10_000],
      ['refund', 4_000],
      ['refund', 6_000],
    ]);
  });

  it('adds an extra statement line no webhook announced', async () => {
    const added = await api('POST', '/v1/statements/2026-01-16/lines', { reference: 'PAY-UNKNOWN-1', amount: 5_000 });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      transactionId: expect.stringMatching(/^pay_/),
      reference: 'PAY-UNKNOWN-1',
      type: 'payment',
      amount: 5_000,
      currency: 'XAF',
      at: '2026-01-16T12:00:00.000Z',
    });
    expect((await api('GET', '/v1/statements/2026-01-16')).json).toEqual({ date: '2026-01-16', lines: [added.json] });
    expect((await api('POST', '/v1/statements/2026-01-16/lines', { reference: 'X', amount: 5, at: '2026-01-17T00:00:00Z' })).json.error?.message).toMatch(
      /is not on 2026-01-16/,
    );
    expect((await api('POST', '/v1/statements/2026-01-16/lines', { reference: 'X', amount: 5.5 })).json.error?.message).toMatch(
      /amount: expected a whole number of XAF/,
    );
    expect((await api('GET', '/v1/statements/2026-13-01')).json.error?.message).toMatch(/date: expected a day that exists/);
  });
});

describe('BANGE sandbox API', () => {
  it('answers 401 JSON on /v1/ routes without the right bearer key, and never repeats the key', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${API_KEY}`]) {
      const response = await fetch(`${server.apiUrl}/v1/payments/pay_1`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } });
      expect(text).not.toContain(API_KEY);
    }
  });

  it('replays a create with the same key and body, refuses the same key with another body', async () => {
    const first = await createPayment();
    const body = {
      reference: first.reference,
      amount: 25_000,
      currency: 'XAF',
      method: 'bange_wallet',
      description: 'Licencia comercial',
      callbackUrl: receiver.url,
    };
    const replay = await api('POST', '/v1/payments', body, { 'idempotency-key': `key-${counter}` });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.json.id]).toEqual([200, 'true', first.id]);
    const other = await api('POST', '/v1/payments', { ...body, amount: 1 }, { 'idempotency-key': `key-${counter}` });
    expect([other.status, other.json.error?.code]).toEqual([409, 'idempotency_key_reused']);
    expect((await api('POST', '/v1/payments', body)).json.error?.code).toBe('idempotency_key_required');
  });

  it.each([
    [{ amount: 1500.5 }, /amount: expected a whole number of XAF/],
    [{ amount: '1500' }, /amount: expected a whole number of XAF/],
    [{ currency: 'EUR' }, /currency: expected XAF/],
    [{ reference: undefined }, /reference: missing/],
    [{ callbackUrl: 'ftp://x' }, /callbackUrl: expected an http\(s\) URL/],
  ])('refuses to create %p', async (over, message) => {
    const body = { reference: 'PAY-X', amount: 100, currency: 'XAF', method: 'bange_card', description: '', callbackUrl: receiver.url, ...over };
    const answer = await api('POST', '/v1/payments', body, { 'idempotency-key': `bad-${Math.random()}` });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({ code: 'invalid_request', message: expect.stringMatching(message) });
  });

  it('refuses a body that is not JSON, unknown routes and wrong methods', async () => {
    const bad = await fetch(`${server.apiUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'k' },
      body: '{',
    });
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([400, 'The body is not valid JSON.']);
    expect((await api('GET', '/v2/nothing')).status).toBe(404);
    const wrongMethod = await api('DELETE', '/v1/payments/pay_1');
    expect([wrongMethod.status, wrongMethod.json.error?.message]).toEqual([405, '/sandbox/bange/v1/payments/pay_1 accepts GET.']);
    expect((await api('GET', '/v1/payments/pay_nope')).json.error?.code).toBe('payment_not_found');
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  });

  it('lists delivery attempts, filtered by transaction', async () => {
    const p = await createPayment();
    await checkout(p.id, 'pay');
    await server.sandbox.settle();
    const listed = await api('GET', `/v1/deliveries?transactionId=${p.id}`);
    expect(listed.json).toEqual({
      held: 0,
      items: [
        {
          eventId: expect.stringMatching(/^evt_/),
          type: 'payment.succeeded',
          transactionId: p.id,
          url: receiver.url,
          copy: 1,
          attempt: 1,
          status: 200,
          error: null,
          at: '2026-01-15T09:00:00.000Z',
        },
      ],
    });
  });
});

describe('BANGE sandbox checkout page', () => {
  const asBrowser = { accept: 'text/html,application/xhtml+xml', 'content-type': 'application/x-www-form-urlencoded' };

  it('shows the payment with Pay and Decline, then what happened and the way back', async () => {
    const p = await createPayment({ amount: 1_234_567, method: 'bange_card', returnUrl: 'https://app.taxasge.gq/payments/42?done=1' });
    const page = await fetch(p.checkoutUrl);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('1 234 567 XAF');
    expect(html).toContain(p.reference);
    expect(html).toContain('<dd>Card</dd>');
    expect(html).toContain(`action="/sandbox/bange/checkout/${p.id}/pay"`);
    expect(html).toContain(`action="/sandbox/bange/checkout/${p.id}/decline"`);
    expect(html).not.toMatch(/<script|https?:\/\/(?!app\.taxasge)/); // self-contained
    expect(html).not.toContain('Return to the merchant');

    const posted = await fetch(`${p.checkoutUrl}/pay`, { method: 'POST', headers: asBrowser, body: '', redirect: 'manual' });
    expect([posted.status, posted.headers.get('location')]).toEqual([303, `/sandbox/bange/checkout/${p.id}`]);
    const after = await (await fetch(p.checkoutUrl)).text();
    expect(after).toContain('Payment succeeded at 2026-01-15T09:00:00.000Z');
    expect(after).toContain('<a href="https://app.taxasge.gq/payments/42?done=1">Return to the merchant</a>');
    expect(after).not.toContain('<button');

    // Posting again from a stale page: back to the page, which still says paid; no second webhook.
    const again = await fetch(`${p.checkoutUrl}/pay`, { method: 'POST', headers: asBrowser, body: '', redirect: 'manual' });
    expect(again.status).toBe(303);
    await server.sandbox.settle();
    expect(receiver.received).toHaveLength(1);
  });

  it('says a decline happened and still offers to pay', async () => {
    const p = await createPayment();
    await fetch(`${p.checkoutUrl}/decline`, { method: 'POST', headers: asBrowser, body: '', redirect: 'manual' });
    const html = await (await fetch(p.checkoutUrl)).text();
    expect(html).toContain('Payment declined');
    expect(html).toContain('/pay"');
    expect(html).not.toContain('/decline"');
  });

  it('escapes what the merchant sent', async () => {
    const p = await createPayment({ reference: '<img src=x onerror=alert(1)>', description: '"><script>alert(1)</script>' });
    const html = await (await fetch(p.checkoutUrl)).text();
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('answers an unknown payment with a page saying the sandbox forgets on restart', async () => {
    const page = await fetch(`${server.apiUrl}/checkout/pay_missing`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('a restart of the server forgets them');
    const posted = await fetch(`${server.apiUrl}/checkout/pay_missing/pay`, { method: 'POST', headers: asBrowser, body: '' });
    expect(posted.status).toBe(404);
  });

  it('lists the payments on its home page', async () => {
    const p = await createPayment();
    const html = await (await fetch(`${server.apiUrl}/`)).text();
    expect(html).toContain(`href="/sandbox/bange/checkout/${p.id}"`);
  });
});

describe('createBangeSandbox', () => {
  it('needs an API key and a webhook secret', () => {
    expect(() => createBangeSandbox({ apiKey: '', webhookSecret: SECRET, publicBaseUrl: 'http://localhost', clock })).toThrow(/apiKey and webhookSecret/);
  });

  it('answers 500 JSON and logs when something unexpected breaks', async () => {
    const errors: string[] = [];
    const logger = { error: (m: string) => errors.push(m) } as unknown as Parameters<typeof createBangeSandbox>[0]['logger'];
    const broken = { now: () => new Date(Number.NaN) }; // toISOString throws
    const sandbox = createBangeSandbox({
      apiKey: API_KEY,
      webhookSecret: SECRET,
      publicBaseUrl: 'http://localhost:1',
      clock: broken,
      ...(logger ? { logger } : {}),
    });
    const { createServer } = await import('node:http');
    const s = createServer(sandbox.handler);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as { port: number }).port;
    const answer = await fetch(`http://127.0.0.1:${port}/sandbox/bange/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'k' },
      body: JSON.stringify({ reference: 'R', amount: 1, currency: 'XAF', method: 'bange_card', description: '', callbackUrl: 'http://127.0.0.1:1/' }),
    });
    expect([answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([500, 'internal_error']);
    expect(errors).toEqual(['BANGE sandbox request failed']);
    s.close();
  });
});
