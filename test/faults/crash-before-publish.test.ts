/**
 * Fault: the instance stops between storing a webhook and publishing its event (the bus throws after
 * the commit, or the process dies there). The event waits in the outbox; the sweeper, or BANGE's
 * retry (a duplicate), publishes it, and the payment is applied once.
 */
import { getOutboxPublisher } from '../../shared/runtime/bus';
import { getEventBus } from '../../shared/runtime/events';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { bankEvent, bankSucceeded, expectLedgerMatchesBank, sendWebhook, statusOf, sweepOutbox } from './support/money';
import { aPayment, settle } from '../support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;
const sentByHand = new Map<string, number>();

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
  citizen = await anAccount().create(app);
});
afterAll(async () => {
  getEventBus().setAvailable(true);
  await app.close();
});

async function outboxOf(webhookEventId: string) {
  const { rows } = await app.database.db.query<{ published: boolean; attempts: number }>(
    "SELECT published_at IS NOT NULL AS published, attempts FROM event_outbox WHERE topic = 'payment-events' AND event -> 'data' ->> 'webhookEventId' = $1",
    [webhookEventId],
  );
  return rows;
}

it('keeps the event when the bus throws right after the commit, and applies it once when swept', async () => {
  const payment = await aPayment().create(app, citizen);
  const event = bankEvent(app, 'evt_crash_bus', payment);
  sentByHand.set(payment.bangeId, payment.payment.amount);
  getEventBus().setAvailable(false);
  expect((await sendWebhook(app, event)).status).toBe(200);
  expect(await outboxOf(event.id)).toEqual([{ published: false, attempts: 1 }]);
  getEventBus().setAvailable(true);

  await sweepOutbox();
  await settle(app);
  await sweepOutbox();
  await settle(app);
  expect(await outboxOf(event.id)).toEqual([{ published: true, attempts: 2 }]);
  expect(await statusOf(app, payment.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  await expectLedgerMatchesBank(app, bankSucceeded(app, sentByHand));
});

it('keeps the event when the process dies between commit and publish; the retry is a duplicate that publishes it, applied once', async () => {
  const payment = await aPayment().create(app, citizen);
  const event = bankEvent(app, 'evt_crash_process', payment);
  sentByHand.set(payment.bangeId, payment.payment.amount);
  const publisher = getOutboxPublisher();
  const publish = publisher.publishCommitted;
  // Nothing after the commit runs: no publish, not even the bookkeeping of a failed publish.
  publisher.publishCommitted = async () => {
    throw new Error('simulated crash after commit');
  };
  try {
    const crashed = await sendWebhook(app, event);
    expect(crashed.status).toBe(500);
    expect(crashed.headers['content-type']).toMatch(/application\/problem\+json/);
  } finally {
    publisher.publishCommitted = publish;
  }
  expect(await outboxOf(event.id)).toEqual([{ published: false, attempts: 0 }]);

  // BANGE did not get a 200, so it delivers again: stored already, answered as a duplicate, and the
  // event still waiting in the outbox is published now rather than at the next sweep.
  const retried = await sendWebhook(app, event);
  expect(retried.status).toBe(200);
  expect(retried.body.outcome).toBe('duplicate');
  await settle(app);
  expect(await statusOf(app, payment.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  await getOutboxPublisher().flush();
  expect(await outboxOf(event.id)).toEqual([{ published: true, attempts: 1 }]);

  // A sweep and a third delivery change nothing more.
  await sweepOutbox();
  await settle(app);
  expect((await sendWebhook(app, event)).body.outcome).toBe('duplicate');
  await settle(app);
  expect(await statusOf(app, payment.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  await expectLedgerMatchesBank(app, bankSucceeded(app, sentByHand));
});
