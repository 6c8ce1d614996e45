/** Fault: BANGE delivers the same webhook several times, and events out of order. The money is booked once, as the bank says. */
import request from 'supertest';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { bankEvent, bankSucceeded, expectLedgerMatchesBank, sendWebhook, shuffled, statusOf, type SignedEvent } from './support/money';
import { pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp & { sandbox: NonNullable<TestApp['sandbox']> };
let citizen: CreatedAccount;
const sentByHand = new Map<string, number>();

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const sandbox = (path: string) =>
  request(app.server)
    .post(`/sandbox/bange${path}`)
    .expect((r) => expect(r.status).toBeLessThan(300));

it('books each payment once when the sandbox sends it 3 times, holds events and releases them newest first', async () => {
  const [a, b, c, d, e] = await pendingPayments(app, citizen, 5);
  await sandbox(`/checkout/${a!.bangeId}/pay?duplicates=3`);
  await sandbox(`/checkout/${b!.bangeId}/pay?duplicates=3&outOfOrder=1`);
  await sandbox(`/checkout/${c!.bangeId}/pay?outOfOrder=1`);
  // Declined then paid, both held: released newest first, so `succeeded` arrives before `failed`.
  await sandbox(`/checkout/${d!.bangeId}/decline?outOfOrder=1`);
  await sandbox(`/checkout/${d!.bangeId}/pay?outOfOrder=1&duplicates=2`);
  await sandbox(`/checkout/${e!.bangeId}/decline?duplicates=2`);
  await settle(app);
  expect(app.sandbox.releaseHeld()).toBe(4);
  await settle(app);

  for (const p of [a, b, c, d]) expect(await statusOf(app, p!.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  expect(await statusOf(app, e!.payment.id)).toEqual({ payment: 'failed', declaration: 'awaiting_payment', receipts: 0 });
  expect(app.sandbox.deliveries().every((delivery) => delivery.status === 200)).toBe(true);
  await expectLedgerMatchesBank(app, bankSucceeded(app, sentByHand));
});

it('books each payment once when duplicates, second notices and stale failures arrive shuffled and concurrently', async () => {
  const payments = await pendingPayments(app, citizen, 12);
  const events: SignedEvent[] = [];
  payments.forEach((p, i) => {
    const first = bankEvent(app, `evt_hand_${i}_a`, p);
    // The same event re-sent, another notice of the same transaction, and for a third of them a failure that happened before.
    events.push(first, first, bankEvent(app, `evt_hand_${i}_b`, p));
    if (i % 3 === 0) events.push(bankEvent(app, `evt_hand_${i}_failed`, p, 'payment.failed'));
    sentByHand.set(p.bangeId, p.payment.amount);
  });
  const order = shuffled(events, 20261124);
  for (let i = 0; i < order.length; i += 8) {
    const answers = await Promise.all(order.slice(i, i + 8).map((event) => sendWebhook(app, event)));
    for (const answer of answers) expect(answer.status).toBe(200);
  }
  await settle(app);

  for (const p of payments) expect(await statusOf(app, p.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_events WHERE id LIKE 'evt_hand_%'");
  expect(rows[0]!.n).toBe(new Set(events.map((e) => e.id)).size);
  await expectLedgerMatchesBank(app, bankSucceeded(app, sentByHand));
});
