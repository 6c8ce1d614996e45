/** Paying through the sandbox, sending BANGE's signed webhooks by hand, and checking the ledger against what the bank sent. */
import request from 'supertest';
import { signBangePayload } from '../../../shared/adapters/bank/bange-signature';
import { SANDBOX_WEBHOOK_SECRET } from '../../../shared/config/config';
import { BANGE_CLEARING } from '../../../shared/domain/payments/ledger';
import { trialBalance } from '../../../shared/domain/payments/ledger.repository';
import type { CreatedPayment } from '../../support/payment-fixtures';
import type { TestApp } from '../../support/test-app';

export interface SignedEvent {
  id: string;
  type: 'payment.succeeded' | 'payment.failed';
  body: string;
  payment: CreatedPayment;
}

/** The event BANGE would send about `payment`; sign it when sending (`send`), as BANGE signs each attempt. */
export function bankEvent(app: TestApp, id: string, payment: CreatedPayment, type: SignedEvent['type'] = 'payment.succeeded'): SignedEvent {
  const at = app.clock.now().toISOString();
  const body = JSON.stringify({
    id,
    type,
    createdAt: at,
    data: {
      transactionId: payment.bangeId,
      reference: payment.payment.reference,
      amount: payment.payment.amount,
      currency: 'XAF',
      method: 'bange_card',
      paidAt: type === 'payment.succeeded' ? at : null,
    },
  });
  return { id, type, body, payment };
}

export function sendWebhook(app: TestApp, event: Pick<SignedEvent, 'body'>) {
  const signature = signBangePayload(event.body, SANDBOX_WEBHOOK_SECRET, Math.floor(app.clock.now().getTime() / 1000));
  return request(app.server).post('/webhooks/bange').set('Content-Type', 'application/json').set('X-Bange-Signature', signature).send(event.body);
}

/** Seeded shuffle, so a failing order can be replayed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs the outbox sweeper the way Cloud Scheduler does: through the jobs function, which no public path reaches. */
export async function sweepOutbox(): Promise<{ processed: number; remaining: number }> {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  await import('../../../functions/jobs');
  const res = await request(getTestServer('jobs')).post('/jobs/sweep-outbox').expect(200);
  return res.body as { processed: number; remaining: number };
}

/** Every transaction the bank reported as succeeded, with its amount: the sandbox's, plus events a test sent itself. */
export function bankSucceeded(app: TestApp, sentByHand: Map<string, number> = new Map()): Map<string, number> {
  const out = new Map(sentByHand);
  for (const p of app.sandbox?.payments() ?? []) if (p.status === 'succeeded') out.set(p.id, p.amount);
  return out;
}

/**
 * The ledger equals what the bank sent: one payment journal per bank transaction, none for anything
 * else, each debiting BANGE clearing with exactly the transaction's amount, and every journal balanced.
 */
export async function expectLedgerMatchesBank(app: TestApp, bank: Map<string, number>): Promise<void> {
  const { rows } = await app.database.db.query<{ ref: string; journals: number; clearing: string }>(
    `SELECT j.external_ref AS ref, count(DISTINCT j.id)::int AS journals, coalesce(sum(e.debit) FILTER (WHERE e.account = $1), 0)::text AS clearing
       FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.kind = 'payment' GROUP BY j.external_ref`,
    [BANGE_CLEARING],
  );
  const booked = new Map(rows.map((r) => [r.ref, { journals: r.journals, clearing: Number(r.clearing) }]));
  expect([...booked.keys()].sort()).toEqual([...bank.keys()].sort());
  for (const [transaction, amount] of bank) expect({ transaction, ...booked.get(transaction) }).toEqual({ transaction, journals: 1, clearing: amount });
  const balance = await trialBalance(app.database.db);
  expect(Object.values(balance).reduce((a, b) => a + b, 0)).toBe(0);
  expect(balance[BANGE_CLEARING] ?? 0).toBe([...bank.values()].reduce((a, b) => a + b, 0));
}

export async function statusOf(app: TestApp, paymentId: string): Promise<{ payment: string; declaration: string; receipts: number }> {
  const { rows } = await app.database.db.query<{ payment: string; declaration: string; receipts: number }>(
    `SELECT p.status AS payment, d.status AS declaration, (SELECT count(*)::int FROM receipts r WHERE r.payment_id = p.id) AS receipts
       FROM payments p JOIN declarations d ON d.id = p.declaration_id WHERE p.id = $1`,
    [paymentId],
  );
  return rows[0]!;
}
