/** Fault: the sandbox holds webhooks and releases them newest first, duplicated; each payment is applied once. */
import request from 'supertest';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { settle as settleMoney } from './support/money';

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
    const { body: d } = await auth(request(app.server).post('/api/v1/declarations'))
      .send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' })
      .expect(201);
    const { body: p } = await auth(request(app.server).post('/api/v1/payments'))
      .set('Idempotency-Key', `f-${++key}`)
      .send({ declarationId: d.id, method: 'bange_card' })
      .expect(201);
    out.push({ id: p.id, reference: p.reference, amount: p.amount, bangeId: new URL(p.checkoutUrl).pathname.split('/').pop()! });
  }
  return out;
}

/** The sandbox's deliveries and the bus, until both are quiet. */
const settle = () => settleMoney(app);

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
  it('the sandbox delivering out of order: released newest first, applied once', async () => {
    const payments = await pendingPayments(4);
    for (const p of payments)
      await request(app.server)
        .post(`/sandbox/bange/checkout/${p.bangeId}/pay?outOfOrder=1&duplicates=2`)
        .expect((r) => expect(r.status).toBeLessThan(300));
    expect(app.sandbox!.releaseHeld()).toBeGreaterThanOrEqual(4);
    await settle();
    await expectLedgerEqualsBank(payments);
  });
});
