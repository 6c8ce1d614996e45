import request from 'supertest';
import { signBangePayload } from '../shared/adapters/bank/bange-signature';
import { SANDBOX_WEBHOOK_SECRET } from '../shared/config/config';
import { reconcileDay } from '../shared/domain/payments/reconciliation';
import { trialBalance } from '../shared/domain/payments/ledger';
import { verifyReceiptToken } from '../shared/domain/payments/receipts';
import { getEventBus } from '../shared/runtime/events';
import { getBank } from '../shared/runtime/payments';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
let citizen: CreatedAccount;
let seq = 0;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const auth = (r: request.Test, who = citizen) => r.set('Authorization', `Bearer ${who.accessToken}`);

async function settle() {
  for (let i = 0; i < 3; i++) {
    await app.sandbox!.settle();
    await getEventBus().drain();
  }
}

async function newPayment(serviceCode = 'T-001') {
  const { body: declaration } = await auth(api().post('/api/v1/declarations')).send({ kind: 'service_fee', serviceCode, feeType: 'expedition' }).expect(201);
  const { body: payment } = await auth(api().post('/api/v1/payments')).set('Idempotency-Key', `pay-${++seq}`).send({ declarationId: declaration.id, method: 'bange_card' }).expect(201);
  return { declaration, payment, bangeId: new URL(payment.checkoutUrl).pathname.split('/').pop()! };
}

const pay = (bangeId: string, query = '') => api().post(`/sandbox/bange/checkout/${bangeId}/pay${query}`).expect((r) => expect(r.status).toBeLessThan(300));

async function journalsOf(paymentId: string) {
  const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_journals WHERE payment_id = $1 AND kind = 'payment'", [paymentId]);
  return rows[0]!.n;
}

describe('from declaration to verifiable receipt', () => {
  it('pays T-001 through the sandbox: payment succeeded, declaration paid, ledger balanced, receipt verifiable, payer notified', async () => {
    const { declaration, payment, bangeId } = await newPayment();
    expect(payment).toMatchObject({ status: 'pending', amount: 2000, currency: 'XAF', method: 'bange_card' });
    const page = await api().get(`/sandbox/bange/checkout/${bangeId}`).expect(200);
    expect(page.text).toMatch(/2[\s\u00a0\u202f]?000/);

    await pay(bangeId);
    await settle();

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
    expect(offline).toMatchObject({ valid: true, receipt: { amount: 2000, currency: 'XAF', declaration: { reference: declaration.reference }, paymentReference: payment.reference } });
    await api().post('/api/v1/receipts/verify').send({ token: receipt.body.token }).expect(200, { valid: true, receipt: offline.valid ? offline.receipt : {} });

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
    const { payment, bangeId } = await newPayment('T-002');
    await pay(bangeId, '?duplicates=5');
    await settle();
    const deliveries = app.sandbox!.deliveries().filter((d) => d.status === 200);
    expect(deliveries.length).toBeGreaterThanOrEqual(5);
    expect(await journalsOf(payment.id)).toBe(1);
    const { rows } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM receipts WHERE payment_id = $1', [payment.id]);
    expect(rows[0]!.n).toBe(1);
  });

  it('refuses a bad signature, a stale timestamp and a body altered by one byte', async () => {
    const body = JSON.stringify({ id: 'evt_forged', type: 'payment.succeeded', createdAt: new Date().toISOString(), data: { transactionId: 'x', reference: 'PAY-x', amount: 1, currency: 'XAF', method: 'bange_card', paidAt: null } });
    const now = Math.floor(app.clock.now().getTime() / 1000);
    const post = (payload: string, header: string) => api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', header).send(payload);
    await post(body, signBangePayload(body, 'not-the-secret-at-all', now)).expect(401);
    await post(body, signBangePayload(body, SANDBOX_WEBHOOK_SECRET, now - 301)).expect(401);
    await post(body.replace('"amount":1', '"amount":2'), signBangePayload(body, SANDBOX_WEBHOOK_SECRET, now)).expect(401);
    await api().post('/webhooks/bange').set('Content-Type', 'application/json').send(body).expect(401);
    const { rows } = await app.database.db.query("SELECT count(*)::int AS n FROM webhook_events WHERE id = 'evt_forged'");
    expect(rows[0]!.n).toBe(0);
  });

  it('never marks anything paid on an amount mismatch, and flags it', async () => {
    const { payment } = await newPayment('T-003');
    const body = JSON.stringify({ id: 'evt_mismatch', type: 'payment.succeeded', createdAt: new Date().toISOString(), data: { transactionId: 'tx_mismatch', reference: payment.reference, amount: 1, currency: 'XAF', method: 'bange_card', paidAt: null } });
    const signed = signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
    const res = await api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signed).send(body).expect(200);
    expect(res.body.outcome).toBe('mismatch');
    await settle();
    expect((await auth(api().get(`/api/v1/payments/${payment.id}`)).expect(200)).body.status).toBe('pending');
    expect(await journalsOf(payment.id)).toBe(0);
    const { rows } = await app.database.db.query("SELECT kind FROM payment_anomalies WHERE webhook_event_id = 'evt_mismatch'");
    expect(rows).toEqual([{ kind: 'amount_mismatch' }]);
  });

  it('stores an authentic but malformed webhook and answers 400', async () => {
    const body = '{"id": "evt_bad", "type": "payment.exploded"}';
    const signed = signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
    await api().post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signed).send(body).expect(400);
    const { rows } = await app.database.db.query("SELECT status FROM webhook_events WHERE raw_body = $1", [body]);
    expect(rows).toEqual([{ status: 'malformed' }]);
  });

  it('accepts webhooks while the bus is down and applies every one once it is back', async () => {
    const a = await newPayment('T-004');
    const b = await newPayment('T-005');
    getEventBus().setAvailable(false);
    await pay(a.bangeId);
    await pay(b.bangeId, '?duplicates=2');
    await app.sandbox!.settle();
    expect(app.sandbox!.deliveries().filter((d) => d.transactionId === a.bangeId).every((d) => d.status === 200)).toBe(true);
    expect((await auth(api().get(`/api/v1/payments/${a.payment.id}`)).expect(200)).body.status).toBe('pending');

    getEventBus().setAvailable(true);
    await api().post('/jobs/sweep-outbox').expect((r) => expect(r.status).toBe(404)); // not public: the scheduler calls the jobs function directly
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    await import('../functions/jobs');
    const swept = await request(getTestServer('jobs')).post('/jobs/sweep-outbox').expect(200);
    expect(swept.body.processed).toBeGreaterThanOrEqual(2);
    await settle();
    const { rows: left } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL');
    expect(left[0]!.n).toBe(0);
    for (const p of [a, b]) {
      expect((await auth(api().get(`/api/v1/payments/${p.payment.id}`)).expect(200)).body.status).toBe('succeeded');
      expect(await journalsOf(p.payment.id)).toBe(1);
    }
  });

  it('finds a payment whose webhook never came, by polling BANGE', async () => {
    const { payment, bangeId } = await newPayment('T-006');
    await pay(bangeId, '?webhook=0');
    const checked = await auth(api().post(`/api/v1/payments/${payment.id}/check`)).expect(200);
    expect(checked.body.status).toBe('succeeded');
    await settle();
    expect(await journalsOf(payment.id)).toBe(1);
  });
});

describe('payment creation', () => {
  it('requires an Idempotency-Key, replays it, and keeps one live payment per declaration', async () => {
    const { body: declaration } = await auth(api().post('/api/v1/declarations')).send({ kind: 'service_fee', serviceCode: 'T-008', feeType: 'expedition' }).expect(201);
    const missing = await auth(api().post('/api/v1/payments')).send({ declarationId: declaration.id, method: 'bange_wallet' }).expect(400);
    expect(missing.body.errors[0].path).toBe('headers.idempotency-key');
    const first = await auth(api().post('/api/v1/payments')).set('Idempotency-Key', 'once').send({ declarationId: declaration.id, method: 'bange_wallet' }).expect(201);
    const replay = await auth(api().post('/api/v1/payments')).set('Idempotency-Key', 'once').send({ declarationId: declaration.id, method: 'bange_wallet' }).expect(201);
    expect(replay.body.id).toBe(first.body.id);
    const second = await auth(api().post('/api/v1/payments')).set('Idempotency-Key', 'twice').send({ declarationId: declaration.id, method: 'bange_wallet' }).expect(409);
    expect(second.body.detail).toMatch(/already has payment/);
    const other = await anAccount().create(app);
    await auth(api().get(`/api/v1/payments/${first.body.id}`), other).expect(404);
  });
});

describe('reconciliation', () => {
  it('lists a payment without webhook and an extra statement line, each with its age', async () => {
    const missing = await newPayment('T-009');
    await pay(missing.bangeId, '?webhook=0');
    const date = app.clock.now().toISOString().slice(0, 10);
    await api().post(`/sandbox/bange/v1/statements/${date}/lines`).set('Authorization', `Bearer ${app.runtime.config.bange.apiKey}`).send({ reference: 'PAY-UNKNOWN', amount: 5000, transactionId: 'tx_extra' }).expect(201);
    await settle();
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
