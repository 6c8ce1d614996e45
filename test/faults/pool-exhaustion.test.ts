/**
 * Fault: more payment events at once than the pool has connections (DB_POOL_MAX), as a burst of
 * webhooks brings. The notifications consumer once deadlocked the pool here: it held a connection
 * for its transaction while the outbox notifier asked the pool for a second one. The consumer now
 * sends with no connection held: claim in one short transaction, send, record in another.
 */
import { anAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { bankEvent, sendWebhook } from './support/money';
import { pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp;

beforeAll(async () => {
  // The default test pool: 5 connections.
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
});
afterAll(async () => {
  await settle(app);
  await app.close();
});

async function delivered(): Promise<number> {
  const { rows } = await app.database.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM notification_deliveries WHERE event_type = 'payment.applied' AND channel = 'email' AND outcome = 'sent'",
  );
  return rows[0]!.n;
}

it('notifies every payer of a burst of 12 payments, with no webhook answered 5xx', async () => {
  const citizen = await anAccount().create(app);
  const payments = await pendingPayments(app, citizen, 12);
  const answers = await Promise.all(payments.map((p, i) => sendWebhook(app, bankEvent(app, `evt_pool_${i}`, p))));
  expect(answers.map((a) => a.status)).toEqual(payments.map(() => 200));
  // Deadlocked, the deliveries would never finish: settling would exceed the test's timeout.
  await settle(app);
  expect(await delivered()).toBe(payments.length);
});
