/** Faults injected while money moves: after each, the ledger equals what the bank reported, nothing lost or doubled. */
import request from 'supertest';
import { signBangePayload } from '../../shared/adapters/bank/bange-signature';
import { SANDBOX_WEBHOOK_SECRET } from '../../shared/config/config';
import { getEventBus } from '../../shared/runtime/events';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let citizen: CreatedAccount;
let key = 0;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const auth = (r: request.Test) => r.set('Authorization', `Bearer ${citizen.accessToken}`);

async function pendingPayments(n: number) {
  const out: { id: string; reference: string; amount: number; bangeId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { body: d } = await auth(request(app.server).post('/api/v1/declarations')).send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }).expect(201);
    const { body: p } = await auth(request(app.server).post('/api/v1/payments')).set('Idempotency-Key', `f-${++key}`).send({ declarationId: d.id, method: 'bange_card' }).expect(201);
    out.push({ id: p.id, reference: p.reference, amount: p.amount, bangeId: new URL(p.checkoutUrl).pathname.split('/').pop()! });
  }
  return out;
}

function signedWebhook(p: { reference: string; amount: number; bangeId: string }, eventId: string, type = 'payment.succeeded') {
  const body = JSON.stringify({ id: eventId, type, createdAt: app.clock.now().toISOString(), data: { transactionId: p.bangeId, reference: p.reference, amount: p.amount, currency: 'XAF', method: 'bange_card', paidAt: app.clock.now().toISOString() } });
  return { body, signature: signBangePayload(body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000)) };
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    await app.sandbox!.settle();
    await getEventBus().drain();
  }
}

/** The ledger against the bank: one journal per paid transaction, clearing debits = paid amounts. */
async function expectLedgerEqualsBank(paid: { id: string; amount: number }[]) {
  const { rows } = await app.database.db.query<{ payment_id: string; journals: number; debit: string }>(
    `SELECT j.payment_id, count(DISTINCT j.id)::int AS journals, sum(e.debit) AS debit FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.kind = 'payment' AND e.account = 'asset:bange-clearing' AND j.payment_id = ANY($1) GROUP BY j.payment_id`,
    [paid.map((p) => p.id)],
  );
  expect(rows).toHaveLength(paid.length);
  for (const p of paid) expect(rows.find((r) => r.payment_id === p.id)).toMatchObject({ journals: 1, debit: String(p.amount) });
}

describe('faults', () => {
  it('webhooks duplicated and shuffled: one application each; a failure after success changes nothing', async () => {
    const payments = await pendingPayments(6);
    const deliveries = payments.flatMap((p, i) => [
      signedWebhook(p, `evt_dup_${i}`),
      signedWebhook(p, `evt_dup_${i}`),
      signedWebhook(p, `evt_dup_${i}`),
      signedWebhook(p, `evt_fail_${i}`, 'payment.failed'),
    ]);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    await Promise.all(deliveries.map((d) => request(app.server).post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', d.signature).send(d.body).expect(200)));
    await settle();
    await expectLedgerEqualsBank(payments);
    const { rows } = await app.database.db.query<{ status: string }>('SELECT status FROM payments WHERE id = ANY($1)', [payments.map((p) => p.id)]);
    // Out of order, a failure may land first; the later success still applies (the bank is the truth).
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('the sandbox delivering out of order: released newest first, applied once', async () => {
    const payments = await pendingPayments(4);
    for (const p of payments) await request(app.server).post(`/sandbox/bange/checkout/${p.bangeId}/pay?outOfOrder=1&duplicates=2`).expect((r) => expect(r.status).toBeLessThan(300));
    expect(app.sandbox!.releaseHeld()).toBeGreaterThanOrEqual(4);
    await settle();
    await expectLedgerEqualsBank(payments);
  });
});

describe('the cache down', () => {
  it('still serves requests, and still limits failed logins per instance', async () => {
    const broken = {
      kind: 'upstash' as const,
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      del: () => Promise.reject(new Error('down')),
      incr: () => Promise.reject(new Error('down')),
      ping: () => Promise.reject(new Error('down')),
    };
    const degraded = await createTestApp({ cache: broken });
    try {
      await request(degraded.server).get('/api/v1/fiscal-services?limit=3').expect(200);
      const account = await anAccount().create(degraded);
      await request(degraded.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${account.accessToken}`).expect(200);
      for (let i = 0; i < 5; i++) await request(degraded.server).post('/api/v1/auth/login').send({ email: account.email, password: 'wrong-password-1' }).expect(401);
      await request(degraded.server).post('/api/v1/auth/login').send({ email: account.email, password: 'wrong-password-1' }).expect(429);
    } finally {
      await degraded.close();
    }
  });
});
