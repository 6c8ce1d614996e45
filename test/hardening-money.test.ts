/**
 * Money found unbooked by the attack run (issue 14): a declined payment completed at the bank after
 * another one paid the declaration, and a tax return declared at 0 XAF.
 */
import request from 'supertest';
import { getEventBus } from '../shared/runtime/events';
import { bankEvent, sendWebhook } from './faults/support/money';
import { aPayment, settle } from './support/payment-fixtures';
import { anAccount, reissue, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
let citizen: CreatedAccount;
let seq = 0;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
});
afterAll(() => app.close());

const api = () => request(app.server);
const auth = (r: request.Test) => r.set('Authorization', `Bearer ${citizen.accessToken}`);

const checkout = (bangeId: string, action: 'pay' | 'decline') =>
  api()
    .post(`/sandbox/bange/checkout/${bangeId}/${action}`)
    .expect((r) => expect(r.status).toBeLessThan(300));

describe('a declined payment paid later, after another payment took the declaration', () => {
  it('books the money once, flags it for a refund, and issues no receipt for it', async () => {
    const { body: declaration } = await auth(api().post('/api/v1/declarations'))
      .send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' })
      .expect(201);
    const first = await aPayment().forDeclaration(declaration.id).create(app, citizen);
    await checkout(first.bangeId, 'decline');
    await settle(app);
    expect((await auth(api().get(`/api/v1/payments/${first.payment.id}`)).expect(200)).body.status).toBe('failed');

    const second = await aPayment().forDeclaration(declaration.id).create(app, citizen);
    await checkout(second.bangeId, 'pay');
    await settle(app);
    // The payer completes the declined payment at the bank anyway.
    await checkout(first.bangeId, 'pay');
    await settle(app);

    const db = app.database.db;
    const journals = await db.query<{ external_ref: string; payment_id: string }>(
      "SELECT external_ref, payment_id FROM ledger_journals WHERE kind = 'payment' AND declaration_id = $1 ORDER BY external_ref",
      [declaration.id],
    );
    expect(journals.rows.map((r) => r.external_ref).sort()).toEqual([first.bangeId, second.bangeId].sort());
    const anomalies = await db.query<{ kind: string }>('SELECT kind FROM payment_anomalies WHERE payment_id = $1', [first.payment.id]);
    expect(anomalies.rows).toEqual([{ kind: 'paid_twice' }]);
    const dead = await db.query('SELECT 1 FROM dead_letters');
    expect(dead.rows).toEqual([]);
    // Receipts and the payer's message follow only the payment that was applied.
    const receipts = await db.query<{ payment_id: string }>('SELECT payment_id FROM receipts WHERE declaration_id = $1', [declaration.id]);
    expect(receipts.rows).toEqual([{ payment_id: second.payment.id }]);
    await auth(api().get(`/api/v1/payments/${first.payment.id}/receipt`)).expect(404);
    expect((await auth(api().get(`/api/v1/payments/${first.payment.id}`)).expect(200)).body.status).toBe('failed');
    expect((await auth(api().get(`/api/v1/declarations/${declaration.id}`)).expect(200)).body.status).toBe('paid');

    // BANGE re-sending the same completion books nothing more and flags nothing more.
    const redelivered = app.sandbox!.deliveries().filter((d) => d.status === 200).length;
    expect(redelivered).toBeGreaterThan(0);
    const again = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_journals WHERE kind = 'payment' AND external_ref = $1", [first.bangeId]);
    expect(again.rows[0]!.n).toBe(1);
  });
});

describe('a tax return at 0 XAF', () => {
  it('is refused when filed (400 naming the field), and a stored 0 XAF declaration answers 409, never 500, when paid', async () => {
    const zero = await auth(api().post('/api/v1/declarations')).send({ kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 0 }).expect(400);
    expect(zero.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('declaredAmount') })]));

    // One stored before 0 was refused.
    const { body: declaration } = await auth(api().post('/api/v1/declarations'))
      .send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' })
      .expect(201);
    await app.database.db.query('UPDATE declarations SET amount = 0 WHERE id = $1', [declaration.id]);
    const paid = await auth(api().post('/api/v1/payments'))
      .set('Idempotency-Key', `hardening-zero-${++seq}`)
      .send({ declarationId: declaration.id, method: 'bange_card' })
      .expect(409);
    expect(paid.body).toMatchObject({ code: 'nothing_to_pay', type: 'https://taxasge.gq/problems/nothing-to-pay' });
    expect(paid.body.detail).toMatch(/nothing to pay/);
  });
});

/** Runs a scheduled job the way Cloud Scheduler does: through the jobs function, which no public path reaches. */
async function runJob(name: string): Promise<{ processed: number }> {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  await import('../functions/jobs');
  return (await request(getTestServer('jobs')).post(`/jobs/${name}`).expect(200)).body;
}

describe('an accepted webhook whose message was lost before apply-payment took it', () => {
  it('is found by the re-drive once older than 15 minutes, applied once, and a second run does nothing', async () => {
    const stranded = await aPayment().forService('T-004').create(app, citizen);
    const recent = await aPayment().forService('T-005').create(app, citizen);
    // The instance answered BANGE 200 and died holding both messages in memory: rows marked published, never consumed.
    getEventBus().setAvailable(false);
    expect((await sendWebhook(app, bankEvent(app, 'evt_stranded', stranded)).expect(200)).body.outcome).toBe('accepted');
    app.clock.advance(10 * 60_000);
    expect((await sendWebhook(app, bankEvent(app, 'evt_recent', recent)).expect(200)).body.outcome).toBe('accepted');
    getEventBus().setAvailable(true);
    await app.database.db.query("UPDATE event_outbox SET published_at = $1 WHERE event -> 'data' ->> 'webhookEventId' IN ('evt_stranded', 'evt_recent')", [
      app.clock.now(),
    ]);
    // BANGE's re-delivery is a duplicate: nothing else would ever apply this money.
    expect((await sendWebhook(app, bankEvent(app, 'evt_stranded', stranded)).expect(200)).body.outcome).toBe('duplicate');

    app.clock.advance(6 * 60_000);
    expect(await runJob('redrive-webhooks')).toMatchObject({ processed: 1 });
    await settle(app);
    // (The citizen's access token expired with the clock: read the payments directly.)
    const status = async (paymentId: string) =>
      (await app.database.db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [paymentId])).rows[0]!.status;
    expect(await status(stranded.payment.id)).toBe('succeeded');
    expect(await status(recent.payment.id)).toBe('pending');
    expect((await runJob('redrive-webhooks')).processed).toBe(0);

    app.clock.advance(10 * 60_000);
    expect(await runJob('redrive-webhooks')).toMatchObject({ processed: 1 });
    await settle(app);
    expect(await status(recent.payment.id)).toBe('succeeded');
    const { rows } = await app.database.db.query<{ ref: string; n: number }>(
      "SELECT external_ref AS ref, count(*)::int AS n FROM ledger_journals WHERE kind = 'payment' AND external_ref = ANY($1) GROUP BY external_ref ORDER BY 1",
      [[stranded.bangeId, recent.bangeId]],
    );
    expect(rows).toEqual([stranded.bangeId, recent.bangeId].sort().map((ref) => ({ ref, n: 1 })));
    expect((await runJob('redrive-webhooks')).processed).toBe(0);
  });
});

describe('a quote past its expiry', () => {
  it('is refused with quote_expired, which a client tells apart from the other 409s by its code', async () => {
    await reissue(citizen);
    const { body: declaration } = await auth(api().post('/api/v1/declarations'))
      .send({ kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' })
      .expect(201);
    await app.database.db.query("UPDATE declarations SET quote_expires_at = '2000-01-01T00:00:00Z' WHERE id = $1", [declaration.id]);
    const paid = await auth(api().post('/api/v1/payments'))
      .set('Idempotency-Key', `hardening-expired-${++seq}`)
      .send({ declarationId: declaration.id, method: 'bange_card' })
      .expect(409);
    expect(paid.body).toMatchObject({ code: 'quote_expired', title: 'The quoted fee has expired', type: 'https://taxasge.gq/problems/quote-expired' });
  });
});

describe('npm run jobs -- sweep-outbox', () => {
  it('waits for the consumers of what it published before closing its pool', async () => {
    const { runJob: runCommand } = await import('../scripts/jobs');
    await reissue(citizen);
    const waiting = await aPayment().forService('T-006').create(app, citizen);
    getEventBus().setAvailable(false);
    expect((await sendWebhook(app, bankEvent(app, 'evt_swept_by_command', waiting)).expect(200)).body.outcome).toBe('accepted');
    getEventBus().setAvailable(true);
    const out: string[] = [];
    // (Last in this file: the command installs its own runtime and removes it when done.)
    const code = await runCommand(['sweep-outbox'], { ENVIRONMENT: 'test', DATABASE_URL: app.database.url, LOG_LEVEL: 'error' }, (l) => out.push(l));
    expect({ code, out }).toEqual({ code: 0, out: [expect.stringMatching(/^sweep-outbox: \{"processed":1/)] });
    const { rows } = await app.database.db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [waiting.payment.id]);
    expect(rows[0]!.status).toBe('succeeded');
    const left = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL');
    expect(left.rows[0]!.n).toBe(0);
  });
});
