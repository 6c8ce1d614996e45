import request from 'supertest';
import { signBangePayload } from '../shared/adapters/bank/bange-signature';
import { SANDBOX_WEBHOOK_SECRET } from '../shared/config/config';
import { reconcileDay } from '../shared/domain/payments/reconciliation';
import { trialBalance } from '../shared/domain/payments/ledger.repository';
import { verifyReceiptToken } from '../shared/domain/payments/receipts';
import { getEventBus } from '../shared/runtime/events';
import { getBank } from '../shared/runtime/payments';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import { aPayment, settle } from './support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const auth = (r: request.Test, who = citizen) => r.set('Authorization', `Bearer ${who.accessToken}`);

const pay = (bangeId: string, query = '') =>
  api()
    .post(`/sandbox/bange/checkout/${bangeId}/pay${query}`)
    .expect((r) => expect(r.status).toBeLessThan(300));

async function journalsOf(paymentId: string) {
  const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_journals WHERE payment_id = $1 AND kind = 'payment'", [
    paymentId,
  ]);
  return rows[0]!.n;
}

describe('from declaration to verifiable receipt', () => {
  it('pays T-001 through the sandbox: payment succeeded, declaration paid, ledger balanced, receipt verifiable, payer notified', async () => {
    const { declaration, payment, bangeId } = await aPayment().create(app, citizen);
    expect(payment).toMatchObject({ status: 'pending', amount: 2000, currency: 'XAF', method: 'bange_card' });
    const page = await api().get(`/sandbox/bange/checkout/${bangeId}`).expect(200);
    expect(page.text).toMatch(/2[\s\u00a0\u202f]?000/);

    await pay(bangeId);
    await settle(app);

    const after = await auth(api().get(`/api/v1/payments/${payment.id}`)).expect(200);
    expect(after.body).toMatchObject({ status: 'succeeded' });
    const decl = await auth(api().get(`/api/v1/declarations/${declaration.id}`)).expect(200);
    expect(decl.body.status).toBe('paid');

    const balance = await trialBalance(app.database.db);
    expect(Object.values(balance).reduce((a, b) => a + b, 0)).toBe(0);
    expect(balance['revenue:M-001']).toBe(-2000);

    const receipt = await auth(api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(200);
    expect(receipt.body.number).toMatch(/^REC-2026-\d{8}$/);
    expect(receipt.body.qr).toMatch(/^data:image\/png;base64,/);
    const jwks = (await api().get('/.well-known/jwks.json').expect(200)).body;
    const offline = await verifyReceiptToken(receipt.body.token, jwks);
    expect(offline).toMatchObject({
      valid: true,
      receipt: { amount: 2000, currency: 'XAF', declaration: { reference: declaration.reference }, paymentReference: payment.reference },
    });
    const online = await api().post('/api/v1/receipts/verify').send({ token: receipt.body.token }).expect(200);
    expect(online.body).toEqual({ valid: true, status: 'valid', message: 'valid signature, receipt valid', receipt: offline.valid ? offline.receipt : {} });

    const [h, p, s] = receipt.body.token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), amount: 2 })).toString('base64url')}.${s}`;
    const tampered = await api().post('/api/v1/receipts/verify').send({ token: forged }).expect(200);
    expect(tampered.body).toMatchObject({ valid: false, reason: expect.stringMatching(/altered/) });
    await api().post('/api/v1/receipts/verify').send({ token: 'garbage' }).expect(200, { valid: false, reason: 'not a signed receipt' });

    const { rows } = await app.database.db.query("SELECT template FROM notification_outbox WHERE recipient = $1 AND template LIKE 'payment%'", [citizen.email]);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('money is never lost or counted twice', () => {
  it('applies one payment and one journal when the same webhook arrives five times', async () => {
    const { payment, bangeId } = await aPayment().forService('T-002').create(app, citizen);
    await pay(bangeId, '?duplicates=5');
    await settle(app);
    const deliveries = app.sandbox!.deliveries().filter((d) => d.status === 200);
    expect(deliveries.length).toBeGreaterThanOrEqual(5);
    expect(await journalsOf(payment.id)).toBe(1);
    const { rows } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM receipts WHERE payment_id = $1', [payment.id]);
    expect(rows[0]!.n).toBe(1);
  });

  it('refuses a bad signature, a stale timestamp and a body altered by one byte', async () => {
    const body = JSON.stringify({
      id: 'evt_forged',
      type: 'payment.succeeded',
      createdAt: new Date().toISOString(),
      data: { transactionId: 'x', reference: 'PAY-x', amount: 1, currency: 'XAF', method: 'bange_card', paidAt: null },
    });
    const now = Math.floor(app.clock.now().getTime() / 1000);
    const post = (payload: string, header: string) =>
      api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', header).send(payload);
    await post(body, signBangePayload(body, 'not-the-secret-at-all', now)).expect(401);
    await post(body, signBangePayload(body, SANDBOX_WEBHOOK_SECRET, now - 301)).expect(401);
    await post(body.replace('"amount":1', '"amount":2'), signBangePayload(body, SANDBOX_WEBHOOK_SECRET, now)).expect(401);
    await api().post('/webhooks/bange').set('Content-Type', 'application/json').send(body).expect(401);
    const { rows } = await app.database.db.query("SELECT count(*)::int AS n FROM webhook_events WHERE id = 'evt_forged'");
    expect(rows[0]!.n).toBe(0);
  });

  it('never marks anything paid on an amount mismatch, and flags it', async () => {
    const { payment } = await aPayment().forService('T-003').create(app, citizen);
    const body = JSON.stringify({
      id: 'evt_mismatch',
      type: 'payment.succeeded',
      createdAt: new Date().toISOString(),
      data: { transactionId: 'tx_mismatch', reference: payment.reference, amount: 1, currency: 'XAF', method: 'bange_card', paidAt: null },
    });
    const signed = signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
    const res = await api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signed).send(body).expect(200);
    expect(res.body.outcome).toBe('mismatch');
    await settle(app);
    expect((await auth(api().get(`/api/v1/payments/${payment.id}`)).expect(200)).body.status).toBe('pending');
    expect(await journalsOf(payment.id)).toBe(0);
    const { rows } = await app.database.db.query("SELECT kind FROM payment_anomalies WHERE webhook_event_id = 'evt_mismatch'");
    expect(rows).toEqual([{ kind: 'amount_mismatch' }]);
  });

  it('stores an authentic but malformed webhook and answers 400', async () => {
    const body = '{"id": "evt_bad", "type": "payment.exploded"}';
    const signed = signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
    await api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signed).send(body).expect(400);
    const { rows } = await app.database.db.query('SELECT status FROM webhook_events WHERE raw_body = $1', [body]);
    expect(rows).toEqual([{ status: 'malformed' }]);
  });

  it('accepts webhooks while the bus is down and applies every one once it is back', async () => {
    const a = await aPayment().forService('T-004').create(app, citizen);
    const b = await aPayment().forService('T-005').create(app, citizen);
    getEventBus().setAvailable(false);
    await pay(a.bangeId);
    await pay(b.bangeId, '?duplicates=2');
    await app.sandbox!.settle();
    expect(
      app
        .sandbox!.deliveries()
        .filter((d) => d.transactionId === a.bangeId)
        .every((d) => d.status === 200),
    ).toBe(true);
    expect((await auth(api().get(`/api/v1/payments/${a.payment.id}`)).expect(200)).body.status).toBe('pending');

    getEventBus().setAvailable(true);
    await api()
      .post('/jobs/sweep-outbox')
      .expect((r) => expect(r.status).toBe(404)); // not public: the scheduler calls the jobs function directly
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    await import('../functions/jobs');
    const swept = await request(getTestServer('jobs')).post('/jobs/sweep-outbox').expect(200);
    expect(swept.body.processed).toBeGreaterThanOrEqual(2);
    await settle(app);
    const { rows: left } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL');
    expect(left[0]!.n).toBe(0);
    for (const p of [a, b]) {
      expect((await auth(api().get(`/api/v1/payments/${p.payment.id}`)).expect(200)).body.status).toBe('succeeded');
      expect(await journalsOf(p.payment.id)).toBe(1);
    }
  });

  it('finds a payment whose webhook never came, by polling BANGE', async () => {
    const { payment, bangeId } = await aPayment().forService('T-006').create(app, citizen);
    await pay(bangeId, '?webhook=0');
    const checked = await auth(api().post(`/api/v1/payments/${payment.id}/check`)).expect(200);
    expect(checked.body.status).toBe('succeeded');
    await settle(app);
    expect(await journalsOf(payment.id)).toBe(1);
  });
});

describe('payment creation', () => {
  it('requires an Idempotency-Key, replays it, and keeps one live payment per declaration', async () => {
    const { body: declaration } = await auth(api().post('/api/v1/declarations'))
      .send({ kind: 'service_fee', serviceCode: 'T-008', feeType: 'expedition' })
      .expect(201);
    const missing = await auth(api().post('/api/v1/payments')).send({ declarationId: declaration.id, method: 'bange_wallet' }).expect(400);
    expect(missing.body.errors[0].path).toBe('headers.idempotency-key');
    const first = await auth(api().post('/api/v1/payments'))
      .set('Idempotency-Key', 'once')
      .send({ declarationId: declaration.id, method: 'bange_wallet' })
      .expect(201);
    const replay = await auth(api().post('/api/v1/payments'))
      .set('Idempotency-Key', 'once')
      .send({ declarationId: declaration.id, method: 'bange_wallet' })
      .expect(201);
    expect(replay.body.id).toBe(first.body.id);
    const second = await auth(api().post('/api/v1/payments'))
      .set('Idempotency-Key', 'twice')
      .send({ declarationId: declaration.id, method: 'bange_wallet' })
      .expect(409);
    expect(second.body.code).toBe('payment_already_live');
    expect(second.body.detail).toMatch(/already has payment/);
    const other = await anAccount().create(app);
    await auth(api().get(`/api/v1/payments/${first.body.id}`), other).expect(404);
  });
});

describe('reconciliation', () => {
  it('lists a payment without webhook and an extra statement line, each with its age', async () => {
    const missing = await aPayment().forService('T-009').create(app, citizen);
    await pay(missing.bangeId, '?webhook=0');
    const date = app.clock.now().toISOString().slice(0, 10);
    await api()
      .post(`/sandbox/bange/v1/statements/${date}/lines`)
      .set('Authorization', `Bearer ${app.runtime.config.bange.apiKey}`)
      .send({ reference: 'PAY-UNKNOWN', amount: 5000, transactionId: 'tx_extra' })
      .expect(201);
    await settle(app);
    const report = await reconcileDay(app.database.db, getBank(), date, app.clock.now());
    expect(report.unmatched).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transactionId: missing.bangeId, problem: 'missing_webhook', ageHours: expect.any(Number) }),
        expect.objectContaining({ transactionId: 'tx_extra', problem: 'missing_webhook', amounts: { statement: 5000, webhook: null, ledger: null } }),
      ]),
    );
    expect(report.matched).toBeGreaterThan(0);
  });
});

describe('finance and admin', () => {
  let finance: CreatedAccount;
  let admin: CreatedAccount;
  let agent: CreatedAccount;
  beforeAll(async () => {
    finance = await anAccount().withRole('finance').create(app);
    admin = await anAccount().withRole('admin').create(app);
    agent = await anAccount().withRole('agent', ['M-001', 'M-002']).create(app);
  });

  it('refunds a rejected service fee, never more than was paid, and books it', async () => {
    const { declaration, payment, bangeId } = await aPayment().forService('T-019').create(app, citizen);
    await pay(bangeId);
    await settle(app);
    await auth(api().post(`/api/v1/agent/declarations/${declaration.id}/claim`), agent).expect(200);
    await auth(api().post(`/api/v1/agent/declarations/${declaration.id}/reject`), agent)
      .send({ reason: 'Not the right service' })
      .expect(200);

    const refund = (amount: number, key: string) =>
      auth(api().post('/api/v1/finance/refunds'), finance).set('Idempotency-Key', key).send({ paymentId: payment.id, amount, reason: 'rejected' });
    const part = await refund(500, 'r1').expect(201);
    expect(part.body).toMatchObject({ status: 'partially_refunded', refundedAmount: 500 });
    const tooMuch = await refund(payment.amount, 'r2').expect(400);
    expect(tooMuch.body.detail).toContain(`At most ${payment.amount - 500} XAF`);
    const rest = await refund(payment.amount - 500, 'r3').expect(201);
    expect(rest.body).toMatchObject({ status: 'refunded', refundedAmount: payment.amount });
    expect((await auth(api().get(`/api/v1/declarations/${declaration.id}`)).expect(200)).body.status).toBe('refunded');
    expect((await refund(1, 'r4').expect(409)).body.code).toBe('payment_not_refundable');

    const balance = await trialBalance(app.database.db);
    expect(Object.values(balance).reduce((a, b) => a + b, 0)).toBe(0);
    const revenue = await auth(api().get(`/api/v1/finance/revenue?from=2026-01-01&to=2027-01-01&ministry=M-002`), finance).expect(200);
    expect(revenue.body.items[0]).toMatchObject({ ministry: 'M-002', payments: payment.amount, refunds: payment.amount, net: 0 });
  });

  it('reports a day through the API and lists anomalies', async () => {
    const date = app.clock.now().toISOString().slice(0, 10);
    const report = await auth(api().get(`/api/v1/finance/reconciliation?date=${date}`), finance).expect(200);
    expect(report.body.unmatched.some((i: { transactionId: string }) => i.transactionId === 'tx_extra')).toBe(true);
    await auth(api().get('/api/v1/finance/reconciliation?date=2026-13-45'), finance).expect(400);
    const anomalies = await auth(api().get('/api/v1/finance/anomalies'), finance).expect(200);
    expect(anomalies.body.items.map((a: { kind: string }) => a.kind)).toContain('amount_mismatch');
  });

  it('replays a dead-lettered event and a webhook that was stored unmatched', async () => {
    const { payment, bangeId } = await aPayment().forService('T-011').create(app, citizen);
    await app.runtime.db.query(
      "INSERT INTO dead_letters (id, subscription, topic, event, error, attempts, dead_at) VALUES ('11111111-1111-4111-8111-111111111111', 'issue-receipt', 'payment-events', $1, 'boom', 10, now())",
      [JSON.stringify({ id: '22222222-2222-4222-8222-222222222222', type: 'payment.noop', source: 'test', time: new Date().toISOString(), data: {} })],
    );
    const dead = await auth(api().get('/api/v1/admin/dead-letters'), admin).expect(200);
    expect(dead.body.items[0]).toMatchObject({ subscription: 'issue-receipt', error: 'boom' });
    await auth(api().post('/api/v1/admin/dead-letters/11111111-1111-4111-8111-111111111111/replay'), admin).expect(200, { replayed: true });
    await auth(api().post('/api/v1/admin/dead-letters/11111111-1111-4111-8111-111111111111/replay'), admin)
      .expect(409)
      .expect((res) => expect(res.body.code).toBe('already_replayed'));

    // A webhook for a reference we did not know yet (e.g. our row was restored later) is applied on replay.
    const body = JSON.stringify({
      id: 'evt_late',
      type: 'payment.succeeded',
      createdAt: new Date().toISOString(),
      data: { transactionId: bangeId, reference: 'PAY-RESTORED', amount: payment.amount, currency: 'XAF', method: 'bange_card', paidAt: null },
    });
    const signed = signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
    expect(
      (await api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signed).send(body).expect(200)).body.outcome,
    ).toBe('unmatched');
    const failed = await auth(api().get('/api/v1/admin/webhooks'), admin).expect(200);
    expect(failed.body.items.map((w: { id: string }) => w.id)).toContain('evt_late');
    await app.runtime.db.query("UPDATE payments SET reference = 'PAY-RESTORED' WHERE id = $1", [payment.id]);
    await auth(api().post('/api/v1/admin/webhooks/evt_late/replay'), admin).expect(200, { outcome: 'accepted' });
    await settle(app);
    expect((await auth(api().get(`/api/v1/payments/${payment.id}`)).expect(200)).body.status).toBe('succeeded');
    expect(await journalsOf(payment.id)).toBe(1);
  });

  it('replays from the command line', async () => {
    const { runWebhooksReplay } = await import('../scripts/webhooks-replay');
    const out: string[] = [];
    expect(await runWebhooksReplay(['--failed-only'], { DATABASE_URL: app.database.url, LOG_LEVEL: 'error' }, (l) => out.push(l))).toBe(0);
    // The command installs its own runtime, as a process of its own would; give the app its own back.
    (await import('../shared/runtime/runtime')).setRuntime(app.runtime);
    expect(out.some((l) => l.includes('still_unmatched') || l.includes('webhook'))).toBe(true);
  });
});

describe('event functions, as Pub/Sub pushes them', () => {
  it('apply-payment and issue-receipt apply a pushed payment event once, even pushed twice', async () => {
    const { encodeEventMessage } = await import('../shared/adapters/events/pubsub-message');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    await import('../functions/apply-payment');
    await import('../functions/issue-receipt');
    const { payment, bangeId } = await aPayment().forService('T-024').create(app, citizen);
    getEventBus().setAvailable(false);
    await pay(bangeId);
    await app.sandbox!.settle();
    getEventBus().setAvailable(true);
    const { rows } = await app.database.db.query<{ event: { id: string; type: string } }>(
      "SELECT event FROM event_outbox WHERE topic = 'payment-events' AND published_at IS NULL AND event->'data'->>'paymentId' = $1",
      [payment.id],
    );
    const event = rows[0]!.event as Parameters<typeof encodeEventMessage>[0];
    const message = encodeEventMessage(event);
    const push = (fn: string, topic: string, m: ReturnType<typeof encodeEventMessage>) =>
      request(getTestServer(fn))
        .post(`/projects/taxasge-local/topics/${topic}`)
        .send({
          message: { data: Buffer.from(m.data).toString('base64'), attributes: m.attributes, messageId: `m-${fn}` },
          subscription: `projects/taxasge-local/subscriptions/${fn}`,
        })
        .expect((r) => expect(r.status).toBeLessThan(300));
    // issue-receipt consumes payment-applied only: the bank's word alone issues nothing.
    await push('issue-receipt', 'payment-applied', message);
    await auth(api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(404);
    getEventBus().setAvailable(false);
    for (const fn of ['apply-payment', 'apply-payment']) await push(fn, 'payment-events', message);
    getEventBus().setAvailable(true);
    expect((await auth(api().get(`/api/v1/payments/${payment.id}`)).expect(200)).body.status).toBe('succeeded');
    expect(await journalsOf(payment.id)).toBe(1);
    await auth(api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(404);
    const applied = await app.database.db.query<{ event: Parameters<typeof encodeEventMessage>[0] }>(
      "SELECT event FROM event_outbox WHERE topic = 'payment-applied' AND event->'data'->>'paymentId' = $1",
      [payment.id],
    );
    expect(applied.rows.map((r) => r.event.type)).toEqual(['payment.applied']);
    for (const fn of ['issue-receipt', 'issue-receipt']) await push(fn, 'payment-applied', encodeEventMessage(applied.rows[0]!.event));
    await auth(api().get(`/api/v1/payments/${payment.id}/receipt`)).expect(200);
  });
});

describe('business metrics', () => {
  it('report revenue equal to the ledger, the outbox backlog and open dead letters', async () => {
    const { trialBalance: balance } = await import('../shared/domain/payments/ledger.repository');
    await settle(app);
    const res = await api().get('/metrics').expect(200);
    const ledger = await balance(app.database.db);
    for (const [account, value] of Object.entries(ledger).filter(([a]) => a.startsWith('revenue:'))) {
      expect(res.text).toContain(`taxasge_revenue_xaf{ministry="${account.slice(8)}"} ${-value}`);
    }
    expect(res.text).toMatch(/taxasge_outbox_backlog \d+/);
    expect(res.text).toMatch(/taxasge_declarations\{kind="service_fee",state="paid"\} \d+/);
    expect(app.runtime.metrics()).toBeDefined();
  });
});

describe('webhook and login metrics', () => {
  it('count webhooks by outcome and logins by outcome', async () => {
    const snapshot = JSON.stringify(await app.runtime.metrics().recorder.snapshot());
    expect(snapshot).toContain('webhooks_received');
    expect(snapshot).toContain('bad_signature');
    await api().post('/api/v1/auth/login').send({ email: citizen.email, password: 'wrong-password-9' }).expect(401);
    expect(JSON.stringify(await app.runtime.metrics().recorder.snapshot())).toContain('bad_credentials');
  });
});
