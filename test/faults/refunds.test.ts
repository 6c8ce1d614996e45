/**
 * Faults around refunds: the commit fails after BANGE accepted (then the request is retried, or the
 * sweeper finishes it), a refund started at the bank arrives only as webhooks, and ten refunds of one
 * payment race. BANGE refunds once per refund, the ledger books it once, never more than was paid.
 */
import request from 'supertest';
import { SANDBOX_API_KEY } from '../../shared/config/config';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { type CreatedPayment, aPayment, settle } from '../support/payment-fixtures';

let app: TestApp & { sandbox: NonNullable<TestApp['sandbox']> };
let citizen: CreatedAccount;
let agent: CreatedAccount;
let finance: CreatedAccount;

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
  citizen = await anAccount().create(app);
  agent = await anAccount().withRole('agent', ['M-001', 'M-002']).create(app);
  finance = await anAccount().withRole('finance').create(app);
  // The injected fault: while the flag is set, any transaction that marks a refund succeeded fails at COMMIT.
  await app.database.db.query(`
    CREATE TABLE test_faults (name text PRIMARY KEY);
    CREATE FUNCTION test_fail_refund_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM test_faults WHERE name = 'refund_commit') THEN RAISE EXCEPTION 'injected fault: the commit failed'; END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER test_refund_commit AFTER INSERT OR UPDATE ON refunds DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION test_fail_refund_commit();`);
});
afterAll(() => app.close());

const failCommits = async (on: boolean) =>
  app.database.db.query(on ? "INSERT INTO test_faults VALUES ('refund_commit') ON CONFLICT DO NOTHING" : 'DELETE FROM test_faults');

/** A paid T-001 fee (2,000 XAF) that an agent rejected: finance may refund it. */
async function rejectedPaidFee(): Promise<CreatedPayment> {
  const p = await aPayment().create(app, citizen);
  await request(app.server).post(`/sandbox/bange/checkout/${p.bangeId}/pay`).expect(200);
  await settle(app);
  const as = (path: string) => request(app.server).post(path).set('Authorization', `Bearer ${agent.accessToken}`);
  await as(`/api/v1/agent/declarations/${p.declaration.id}/claim`).expect(200);
  await as(`/api/v1/agent/declarations/${p.declaration.id}/reject`).send({ reason: 'Not the right service' }).expect(200);
  return p;
}

const refund = (p: CreatedPayment, amount: number, key: string) =>
  request(app.server)
    .post('/api/v1/finance/refunds')
    .set('Authorization', `Bearer ${finance.accessToken}`)
    .set('Idempotency-Key', key)
    .send({ paymentId: p.payment.id, amount, reason: 'rejected' });

/** What BANGE, our refund rows, the ledger, the payment and the declaration say about one payment's refunds. */
async function refundsOf(p: CreatedPayment) {
  const atBank = app.sandbox.payments().find((b) => b.id === p.bangeId)!;
  const { rows } = await app.database.db.query<{
    payment: string;
    refunded: string;
    declaration: string;
    rows: string[];
    journals: number;
    booked: string;
    voided: boolean;
  }>(
    `SELECT p.status AS payment, p.refunded_amount::text AS refunded, d.status AS declaration,
            (SELECT coalesce(array_agg(r.status || '/' || r.origin ORDER BY r.created_at), '{}') FROM refunds r WHERE r.payment_id = p.id) AS rows,
            (SELECT count(*)::int FROM ledger_journals j WHERE j.payment_id = p.id AND j.kind = 'refund') AS journals,
            (SELECT coalesce(sum(e.debit), 0)::text FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id WHERE j.payment_id = p.id AND j.kind = 'refund') AS booked,
            (SELECT r.voided_at IS NOT NULL FROM receipts r WHERE r.payment_id = p.id) AS voided
       FROM payments p JOIN declarations d ON d.id = p.declaration_id WHERE p.id = $1`,
    [p.payment.id],
  );
  const r = rows[0]!;
  return {
    bank: { refunds: atBank.refunds?.length ?? 0, refunded: atBank.refundedAmount },
    ours: {
      payment: r.payment,
      refunded: Number(r.refunded),
      declaration: r.declaration,
      rows: r.rows,
      journals: r.journals,
      booked: Number(r.booked),
      receiptVoided: r.voided,
    },
  };
}

const fullyRefundedOnce = (origin: 'finance' | 'bank') => ({
  bank: { refunds: 1, refunded: 2000 },
  ours: { payment: 'refunded', refunded: 2000, declaration: 'refunded', rows: [`succeeded/${origin}`], journals: 1, booked: 2000, receiptVoided: true },
});

it('refunds once when the commit fails after BANGE accepted and the request is retried', async () => {
  const p = await rejectedPaidFee();
  await failCommits(true);
  await refund(p, 2000, 'retried-refund').expect(500);
  await settle(app); // BANGE's payment.refunded webhook fails the same way, until it is dead-lettered
  expect(await refundsOf(p)).toEqual({
    bank: { refunds: 1, refunded: 2000 },
    ours: { payment: 'succeeded', refunded: 0, declaration: 'rejected', rows: ['submitted/finance'], journals: 0, booked: 0, receiptVoided: false },
  });

  await failCommits(false);
  const retried = await refund(p, 2000, 'retried-refund').expect(201);
  expect(retried.body).toMatchObject({ status: 'refunded', refundedAmount: 2000 });
  await settle(app);
  expect(await refundsOf(p)).toEqual(fullyRefundedOnce('finance'));
});

it('the sweeper finishes a refund left submitted by asking BANGE', async () => {
  const p = await rejectedPaidFee();
  await failCommits(true);
  await refund(p, 2000, 'swept-refund').expect(500);
  await settle(app);
  await failCommits(false);

  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  await import('../../functions/jobs');
  const sweep = () => request(getTestServer('jobs')).post('/jobs/sweep-refunds').expect(200);
  expect((await sweep()).body).toMatchObject({ processed: 0 }); // too recent: the request may still be running
  app.clock.advance(6 * 60_000);
  expect((await sweep()).body).toMatchObject({ processed: 1, remaining: 0 });
  await settle(app);
  expect(await refundsOf(p)).toEqual(fullyRefundedOnce('finance'));
  expect((await sweep()).body).toMatchObject({ processed: 0 });
});

it('applies once a refund started at the bank that arrives only as (duplicated) webhooks', async () => {
  const p = await rejectedPaidFee();
  await request(app.server)
    .post(`/sandbox/bange/v1/payments/${p.bangeId}/refunds?duplicates=3`)
    .set('Authorization', `Bearer ${SANDBOX_API_KEY}`)
    .set('Idempotency-Key', `bank-side-${p.bangeId}`)
    .send({ amount: 2000 })
    .expect(201);
  await settle(app);
  expect(app.sandbox.deliveries().filter((d) => d.transactionId === p.bangeId && d.type === 'payment.refunded')).toHaveLength(3);
  expect(await refundsOf(p)).toEqual(fullyRefundedOnce('bank'));
});

it('never refunds more than was paid when ten refunds of one payment race', async () => {
  const p = await rejectedPaidFee();
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => refund(p, 600, `race-${i}`)));
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses).toEqual([201, 201, 201, 400, 400, 400, 400, 400, 400, 400]);
  await settle(app);
  const state = await refundsOf(p);
  expect(state.bank).toEqual({ refunds: 3, refunded: 1800 });
  expect(state.ours).toMatchObject({ payment: 'partially_refunded', refunded: 1800, journals: 3, booked: 1800, receiptVoided: false });
});

it("reconciles the day's refunds: BANGE's refund lines, payment.refunded webhooks and refund journals match", async () => {
  const asFinance = (path: string) => request(app.server).get(path).set('Authorization', `Bearer ${finance.accessToken}`);
  const report = (await asFinance('/api/v1/finance/reconciliation?date=2026-01-15').expect(200)).body;
  // Four tests above: three full refunds and three of 600 XAF, each in all three sources.
  expect(report.refundTotals).toEqual({ statement: 7800, webhooks: 7800, ledger: 7800 });
  expect(report.unmatched.filter((i: { kind: string }) => i.kind === 'refund')).toEqual([]);

  // A refund line BANGE has and no webhook announced: found, as a refund.
  await request(app.server)
    .post('/sandbox/bange/v1/statements/2026-01-15/lines')
    .set('Authorization', `Bearer ${SANDBOX_API_KEY}`)
    .send({ reference: 'PAY-ELSEWHERE', amount: 700, type: 'refund', transactionId: 'pay_elsewhere', at: '2026-01-15T10:00:00Z' })
    .expect(201);
  const after = (await asFinance('/api/v1/finance/reconciliation?date=2026-01-15').expect(200)).body;
  expect(after.unmatched.filter((i: { kind: string }) => i.kind === 'refund')).toEqual([
    {
      kind: 'refund',
      transactionId: 'pay_elsewhere@2026-01-15T10:00:00.000Z',
      reference: 'PAY-ELSEWHERE',
      amounts: { statement: 700, webhook: null, ledger: null },
      problem: 'missing_webhook',
      ageHours: expect.any(Number),
    },
  ]);
});
