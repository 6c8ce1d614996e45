/** Fault: the event bus is down for a while. Webhooks are still accepted and kept in the outbox; once it is back, the sweeper applies each payment once. */
import request from 'supertest';
import { getEventBus } from '../../shared/runtime/events';
import { anAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { bankSucceeded, expectLedgerMatchesBank, statusOf, sweepOutbox } from './support/money';
import { pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp & { sandbox: NonNullable<TestApp['sandbox']> };

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
});
afterAll(async () => {
  getEventBus().setAvailable(true);
  await app.close();
});

async function unpublished(): Promise<number> {
  const { rows } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL');
  return rows[0]!.n;
}

it('accepts every webhook while the bus is down and applies each payment once after it is back', async () => {
  const citizen = await anAccount().create(app);
  const payments = await pendingPayments(app, citizen, 8);
  getEventBus().setAvailable(false);
  for (const [i, p] of payments.entries()) {
    await request(app.server)
      .post(`/sandbox/bange/checkout/${p.bangeId}/pay${i % 2 ? '?duplicates=3' : ''}`)
      .expect((r) => expect(r.status).toBeLessThan(300));
  }
  await app.sandbox.settle();

  // BANGE got a 200 for every delivery: the events are stored and waiting, nothing is applied yet.
  expect(app.sandbox.deliveries().map((d) => d.status)).toEqual(app.sandbox.deliveries().map(() => 200));
  for (const p of payments) expect(await statusOf(app, p.payment.id)).toEqual({ payment: 'pending', declaration: 'awaiting_payment', receipts: 0 });
  expect(await unpublished()).toBeGreaterThanOrEqual(payments.length);
  // A sweep while the bus is still down publishes nothing and keeps everything.
  expect((await sweepOutbox()).processed).toBe(0);
  await expectLedgerMatchesBank(app, new Map());

  getEventBus().setAvailable(true);
  const first = await sweepOutbox();
  expect(first.processed).toBeGreaterThanOrEqual(payments.length);
  await settle(app);
  // Applying published declaration events of its own; a second sweep finds nothing left and changes nothing.
  await sweepOutbox();
  await settle(app);
  expect(await unpublished()).toBe(0);
  expect((await sweepOutbox()).processed).toBe(0);

  for (const p of payments) expect(await statusOf(app, p.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  await expectLedgerMatchesBank(app, bankSucceeded(app));
});
