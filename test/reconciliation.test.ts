/**
 * The daily reconciliation as Cloud Scheduler runs it: POST /jobs/reconcile on the jobs function,
 * yesterday in Africa/Malabo by the injected clock, stored per day, listed to finance, alerted on.
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { anAccount, reissue, requestsAs, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import { recordedSeries } from './support/recorded-series';
import { aPayment, settle } from './support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;
let finance: CreatedAccount;
let admin: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
  finance = await anAccount().withRole('finance').create(app);
  admin = await anAccount().withRole('admin').create(app);
  await import('../functions/jobs');
});
afterAll(async () => {
  await settle(app);
  await app.close();
});

const api = () => request(app.server);
const as = requestsAs(() => app);
const runJob = (body?: object) => {
  const req = request(getTestServer('jobs')).post('/jobs/reconcile');
  return body === undefined ? req : req.send(body);
};

/** Moves the app clock (the scheduler's "now"), and re-signs the fixture tokens for the new time. */
async function setClock(at: string) {
  app.clock.set(at);
  await reissue(citizen, finance, admin);
}

/** A service fee paid through the sandbox at the clock's time: statement line, webhook and ledger journal. */
async function paidPayment(serviceCode = 'T-001') {
  const { payment, bangeId } = await aPayment().forService(serviceCode).create(app, citizen);
  await api()
    .post(`/sandbox/bange/checkout/${bangeId}/pay`)
    .expect((r) => expect(r.status).toBeLessThan(300));
  await settle(app);
  expect((await as(citizen).get(`/api/v1/payments/${payment.id}`).expect(200)).body.status).toBe('succeeded');
  return { transactionId: bangeId, amount: payment.amount as number, reference: payment.reference as string };
}

async function storedRuns(date: string) {
  const { rows } = await app.database.db.query<{
    matched: number;
    unmatched_count: number;
    unmatched: { transactionId: string; problem: string }[];
    run_at: Date;
    statement_total: string;
  }>('SELECT matched, unmatched_count, unmatched, run_at, statement_total FROM reconciliation_runs WHERE date = $1', [date]);
  return rows;
}

const discrepancyLines = () => app.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'reconciliation_discrepancies');

let onTheDay: Awaited<ReturnType<typeof paidPayment>>;
let lateAtNight: Awaited<ReturnType<typeof paidPayment>>;
let onThe17th: Awaited<ReturnType<typeof paidPayment>>;

describe('POST /jobs/reconcile', () => {
  it('with {} reconciles yesterday in Malabo by the clock and stores it; 23:30Z belongs to the next Malabo day', async () => {
    await setClock('2026-01-15T09:00:00.000Z');
    onTheDay = await paidPayment();
    await setClock('2026-01-15T23:30:00.000Z'); // 00:30 on the 16th in Malabo, still the 15th in UTC
    lateAtNight = await paidPayment();

    await setClock('2026-01-16T05:30:00.000Z'); // 06:30 WAT: when Cloud Scheduler calls
    const res = await runJob({}).expect(200);
    expect(res.body).toEqual({ job: 'reconcile', processed: 1, remaining: 0 });

    const [run, ...more] = await storedRuns('2026-01-15');
    expect(more).toEqual([]);
    expect(run).toMatchObject({
      matched: 1,
      unmatched_count: 0,
      unmatched: [],
      statement_total: String(onTheDay.amount),
      run_at: new Date('2026-01-16T05:30:00.000Z'),
    });
    // The UTC day of the 15th was not reconciled instead.
    expect(await storedRuns('2026-01-14')).toEqual([]);
    expect(discrepancyLines()).toEqual([]);
    expect(app.logs.some((l) => l.includes('"event":"reconciliation_completed"') && l.includes('"date":"2026-01-15"'))).toBe(true);
  });

  it('finds the 23:30Z payment, matched, on the 16th: its statement line comes from the UTC statement of the 15th', async () => {
    await setClock('2026-01-17T05:30:00.000Z');
    await runJob().expect(200, { job: 'reconcile', processed: 1, remaining: 0 });
    const [run] = await storedRuns('2026-01-16');
    expect(run).toMatchObject({ matched: 1, unmatched_count: 0, statement_total: String(lateAtNight.amount) });
  });

  it('run again for the same day replaces that day, never adds a second row', async () => {
    await setClock('2026-01-16T07:00:00.000Z');
    await runJob({ date: '2026-01-15' }).expect(200);
    await runJob({}).expect(200);
    const runs = await storedRuns('2026-01-15');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.run_at).toEqual(new Date('2026-01-16T07:00:00.000Z'));
    const { rows } = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM reconciliation_runs');
    expect(rows[0]!.n).toBe(2);
    // A run that started before the stored one (a slow retry) leaves the newer result in place.
    await setClock('2026-01-16T06:00:00.000Z');
    await runJob({ date: '2026-01-15' }).expect(200);
    expect((await storedRuns('2026-01-15'))[0]!.run_at).toEqual(new Date('2026-01-16T07:00:00.000Z'));
  });

  it('stores, logs and counts a discrepancy: a statement line no webhook announced', async () => {
    await setClock('2026-01-17T10:00:00.000Z');
    onThe17th = await paidPayment('T-005');
    await api()
      .post('/sandbox/bange/v1/statements/2026-01-17/lines')
      .set('Authorization', `Bearer ${app.runtime.config.bange.apiKey}`)
      .send({ reference: 'PAY-UNKNOWN', amount: 5000, transactionId: 'tx_no_webhook', at: '2026-01-17T12:00:00Z' })
      .expect(201);
    const counted = async () =>
      (await recordedSeries(app.runtime.metrics().recorder, 'reconciliation_discrepancies')).find((s) => s.labels.problem === 'missing_webhook')?.value ?? 0;
    const before = await counted();

    await setClock('2026-01-18T05:30:00.000Z');
    await runJob({}).expect(200, { job: 'reconcile', processed: 2, remaining: 1 });

    const [run] = await storedRuns('2026-01-17');
    expect(run).toMatchObject({ matched: 1, unmatched_count: 1, statement_total: String(onThe17th.amount + 5000) });
    expect(run!.unmatched).toEqual([
      {
        kind: 'payment',
        transactionId: 'tx_no_webhook',
        reference: 'PAY-UNKNOWN',
        amounts: { statement: 5000, webhook: null, ledger: null },
        problem: 'missing_webhook',
        ageHours: 17,
      },
    ]);

    const lines = discrepancyLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      message: 'reconciliation found discrepancies',
      event: 'reconciliation_discrepancies',
      date: '2026-01-17',
      matched: 1,
      unmatched: 1,
      problems: { missing_webhook: 1 },
      items: [{ transactionId: 'tx_no_webhook', reference: 'PAY-UNKNOWN', problem: 'missing_webhook' }],
    });
    expect((await counted()) - before).toBe(1);
  });

  it('refuses a date that is not a day, and unknown fields', async () => {
    const bad = await runJob({ date: '2026-02-30' }).expect(400);
    expect(bad.body.errors[0].path).toBe('body.date');
    await runJob({ date: '17/01/2026' }).expect(400);
    await runJob({ day: '2026-01-17' }).expect(400);
    await runJob({ date: '0000-01-01' }).expect(400);
  });
});

describe('GET /api/v1/finance/reconciliation/runs', () => {
  it('lists the stored runs to finance, newest day first, with their unmatched items', async () => {
    const res = await as(finance).get('/api/v1/finance/reconciliation/runs').expect(200);
    expect(res.body.total).toBe(3);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((r: { date: string }) => r.date)).toEqual(['2026-01-17', '2026-01-16', '2026-01-15']);
    expect(res.body.items[0]).toMatchObject({
      date: '2026-01-17',
      matched: 1,
      unmatchedCount: 1,
      totals: { statement: onThe17th.amount + 5000, webhooks: onThe17th.amount, ledger: onThe17th.amount },
      unmatched: [{ transactionId: 'tx_no_webhook', problem: 'missing_webhook', amounts: { statement: 5000, webhook: null, ledger: null } }],
      runAt: '2026-01-18T05:30:00.000Z',
    });
  });

  it('filters by day (both ends included) and pages with a cursor', async () => {
    const range = await as(admin).get('/api/v1/finance/reconciliation/runs?from=2026-01-15&to=2026-01-16').expect(200);
    expect(range.body.items.map((r: { date: string }) => r.date)).toEqual(['2026-01-16', '2026-01-15']);
    const first = await as(finance).get('/api/v1/finance/reconciliation/runs?limit=2').expect(200);
    expect(first.body.items.map((r: { date: string }) => r.date)).toEqual(['2026-01-17', '2026-01-16']);
    const second = await as(finance).get(`/api/v1/finance/reconciliation/runs?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body).toMatchObject({ items: [{ date: '2026-01-15' }], nextCursor: null, total: 3 });
  });

  it('refuses citizens, a range backwards and a forged cursor', async () => {
    await as(citizen).get('/api/v1/finance/reconciliation/runs').expect(403);
    await api().get('/api/v1/finance/reconciliation/runs').expect(401);
    const backwards = await as(finance).get('/api/v1/finance/reconciliation/runs?from=2026-01-17&to=2026-01-15').expect(400);
    expect(backwards.body.errors[0].path).toBe('query.to');
    const forged = Buffer.from('after:not-a-day').toString('base64url');
    await as(finance).get(`/api/v1/finance/reconciliation/runs?cursor=${forged}`).expect(400);
    await as(finance).get('/api/v1/finance/reconciliation/runs?from=2026-13-01').expect(400);
  });
});
