/**
 * Fault: PostgreSQL drops every connection of the service (pg_terminate_backend) in the middle of a
 * burst of webhooks. BANGE retries what got a 5xx; every retry ends in 200 and the ledger equals what
 * the bank sent, once.
 */
import { Client } from 'pg';
import type { Response } from 'supertest';
import { anAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { bankEvent, bankSucceeded, expectLedgerMatchesBank, sendWebhook, shuffled, statusOf, sweepOutbox, type SignedEvent } from './support/money';
import { pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp;
let killer: Client;

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
  killer = new Client({ connectionString: app.database.url });
  await killer.connect();
});
afterAll(async () => {
  await killer.end();
  await app.close();
});

/** Terminates every other backend of this database: the service's pool loses all its connections at once. */
async function killConnections(): Promise<number> {
  const { rows } = await killer.query<{ killed: boolean }>(
    'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  return rows.filter((r) => r.killed).length;
}

interface Outcome {
  event: SignedEvent;
  answers: Response[];
}

/** BANGE's side: a 5xx (or no answer) is retried with a short pause; anything else is final. */
async function deliver(event: SignedEvent): Promise<Outcome> {
  const answers: Response[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await sendWebhook(app, event);
    answers.push(answer);
    if (answer.status < 500) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { event, answers };
}

it('loses and doubles nothing when every connection is killed three times during a burst', async () => {
  const citizen = await anAccount().create(app);
  const payments = await pendingPayments(app, citizen, 30);
  const sent = new Map(payments.map((p) => [p.bangeId, p.payment.amount]));
  const events = shuffled(
    payments.flatMap((p, i) => [bankEvent(app, `evt_kill_${i}`, p), ...(i % 3 === 0 ? [bankEvent(app, `evt_kill_${i}`, p)] : [])]),
    7,
  );

  // The kills land at a quarter, half and three quarters of the burst, while the other senders are mid-request.
  let killed = 0;
  const killAt = new Set([Math.floor(events.length / 4), Math.floor(events.length / 2), Math.floor((3 * events.length) / 4)]);
  const outcomes: Outcome[] = [];
  // Six concurrent senders, as a bank delivering a backlog would.
  const queue = [...events];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let event = queue.shift(); event; event = queue.shift()) {
        if (killAt.delete(events.length - queue.length)) killed += await killConnections();
        outcomes.push(await deliver(event));
      }
    }),
  );
  expect(killed).toBeGreaterThan(0);

  const failures = outcomes.flatMap((o) => o.answers.filter((a) => a.status >= 500));
  // Every 5xx said the database was away and when to come back (a 503 BANGE retries), and a retry fixed it: each delivery ended in 200.
  for (const failure of failures) {
    expect(failure.headers['content-type']).toMatch(/application\/problem\+json/);
    expect({ status: failure.status, code: failure.body.code, retryAfter: failure.headers['retry-after'] }).toEqual({
      status: 503,
      code: 'service_unavailable',
      retryAfter: '5',
    });
  }
  for (const o of outcomes) expect({ event: o.event.id, final: o.answers[o.answers.length - 1]!.status }).toEqual({ event: o.event.id, final: 200 });

  // Consumers interrupted by the kills are redelivered by the bus; publishes whose bookkeeping failed are swept.
  await settle(app);
  await sweepOutbox();
  await settle(app);
  for (const p of payments) expect(await statusOf(app, p.payment.id)).toEqual({ payment: 'succeeded', declaration: 'paid', receipts: 1 });
  const { rows } = await app.database.db.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_events WHERE id LIKE 'evt_kill_%'");
  expect(rows[0]!.n).toBe(payments.length);
  await expectLedgerMatchesBank(app, bankSucceeded(app, sent));
});
