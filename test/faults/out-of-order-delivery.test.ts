/** Fault: the sandbox holds webhooks and releases them newest first, duplicated; each payment is applied once. */
import request from 'supertest';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { type CreatedPayment, pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

/** The ledger against the bank: one journal per paid transaction, clearing debits = paid amounts. */
async function expectLedgerEqualsBank(paid: CreatedPayment[]) {
  const { rows } = await app.database.db.query<{ payment_id: string; journals: number; debit: string }>(
    `SELECT j.payment_id, count(DISTINCT j.id)::int AS journals, sum(e.debit) AS debit FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.kind = 'payment' AND e.account = 'asset:bange-clearing' AND j.payment_id = ANY($1) GROUP BY j.payment_id`,
    [paid.map((p) => p.payment.id)],
  );
  expect(rows).toHaveLength(paid.length);
  for (const p of paid) expect(rows.find((r) => r.payment_id === p.payment.id)).toMatchObject({ journals: 1, debit: String(p.payment.amount) });
}

describe('faults', () => {
  it('the sandbox delivering out of order: released newest first, applied once', async () => {
    const payments = await pendingPayments(app, citizen, 4);
    for (const p of payments)
      await request(app.server)
        .post(`/sandbox/bange/checkout/${p.bangeId}/pay?outOfOrder=1&duplicates=2`)
        .expect((r) => expect(r.status).toBeLessThan(300));
    expect(app.sandbox!.releaseHeld()).toBeGreaterThanOrEqual(4);
    await settle(app);
    await expectLedgerEqualsBank(payments);
  });
});
