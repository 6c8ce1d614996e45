/**
 * The business events counted by log-based metrics, seen where operators see them: GET /metrics.
 * Each action is measured as the change it makes to the scraped series; a refused or rolled-back
 * change must change nothing.
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import type { Database } from '../../shared/ports/database.port';
import { createDeclarationService } from '../../shared/domain/declarations/declaration.service';
import type { CommittedTransition } from '../../shared/domain/declarations/declaration-transitions';
import { createReviewService, type ReviewDecision } from '../../shared/domain/declarations/review.service';
import { getOutboxPublisher } from '../../shared/runtime/bus';
import { anAccount, reissue, requestsAs, type CreatedAccount } from '../support/auth-fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { parseOpenMetrics } from './support/openmetrics-validator';
import { aPayment, settle, type CreatedPayment } from '../support/payment-fixtures';

let app: TestApp;
let citizen: CreatedAccount;
let agent: CreatedAccount;
let finance: CreatedAccount;

beforeAll(async () => {
  app = await createTestApp({ listen: true, env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' } });
  citizen = await anAccount().create(app);
  agent = await anAccount().withRole('agent', ['M-001', 'M-002', 'M-007']).create(app);
  finance = await anAccount().withRole('finance').create(app);
  await import('../../functions/jobs');
});
afterAll(async () => {
  await settle(app); // the sandbox's last webhooks (refund notices) land before the server closes
  await app.close();
});

const api = () => request(app.server);
const as = requestsAs(() => app);
const runJob = (name: string) => request(getTestServer('jobs')).post(`/jobs/${name}`).expect(200);

/** Moves the app clock, and re-signs the fixture tokens so they are not expired at the new time. */
async function advance(ms: number) {
  app.clock.advance(ms);
  await reissue(citizen, agent, finance);
}

type Labels = Record<string, string>;
type Series = [sample: string, labels: Labels];

/** Every sample of one scrape, by `name{labels in order}`. */
async function scrape(): Promise<Map<string, number>> {
  const families = parseOpenMetrics((await api().get('/metrics').expect(200)).text);
  const out = new Map<string, number>();
  for (const f of families.values()) for (const s of f.samples) out.set(key(s.name, s.labels), s.value);
  return out;
}
const key = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/** How much each series moved while `action` ran (a series not yet written counts as 0). */
async function changes(series: Series[], action: () => Promise<unknown>): Promise<number[]> {
  const before = await scrape();
  await action();
  const after = await scrape();
  return series.map(([name, labels]) => (after.get(key(name, labels)) ?? 0) - (before.get(key(name, labels)) ?? 0));
}

/** The sum of a counter over all its series, for "nothing moved at all". */
async function totalOf(sample: string): Promise<number> {
  let total = 0;
  for (const [k, v] of await scrape()) if (k.startsWith(`${sample}{`)) total += v;
  return total;
}

const newTaxReturn = async (declaredAmount = 1_000_000) =>
  (await as(citizen).post('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount }).expect(201)).body as {
    id: string;
    ministry: string;
  };

const checkout = (bangeId: string, action: 'pay' | 'decline') =>
  api()
    .post(`/sandbox/bange/checkout/${bangeId}/${action}`)
    .expect((r) => expect(r.status).toBeLessThan(300));

describe('accounts', () => {
  it('count registrations by account type, a refused one not at all', async () => {
    const register = (email: string, accountType: string, extra: object = {}) =>
      api()
        .post('/api/v1/auth/register')
        .send({ email, password: 'Malabo-2026-sol', fullName: 'Metric User', accountType, locale: 'es', ...extra });
    const moved = await changes(
      [
        ['taxasge_user_registrations_total', { account_type: 'citizen' }],
        ['taxasge_user_registrations_total', { account_type: 'business' }],
      ],
      async () => {
        await register('metrics-citizen@example.gq', 'citizen').expect(201);
        await register('metrics-business@example.gq', 'business', { taxId: 'GQ-778899' }).expect(201);
        await register('METRICS-citizen@example.gq', 'citizen').expect(409);
      },
    );
    expect(moved).toEqual([1, 1]);
  });

  it('count a spent refresh token presented again, once, and not an unknown one', async () => {
    const login = (await api().post('/api/v1/auth/login').send({ email: 'metrics-citizen@example.gq', password: 'Malabo-2026-sol' }).expect(200)).body as {
      refreshToken: string;
    };
    const moved = await changes([['taxasge_refresh_token_reuse_total', {}]], async () => {
      await api().post('/api/v1/auth/refresh').send({ refreshToken: login.refreshToken }).expect(200);
      await api().post('/api/v1/auth/refresh').send({ refreshToken: login.refreshToken }).expect(401);
      await api().post('/api/v1/auth/refresh').send({ refreshToken: 'never-issued' }).expect(401);
    });
    expect(moved).toEqual([1]);
  });
});

describe('declarations', () => {
  it('count creations by kind and service, and transitions by kind, from and to; a refused move not at all', async () => {
    let id = '';
    const moved = await changes(
      [
        ['taxasge_new_declarations_total', { kind: 'tax_return', service: 'vat' }],
        ['taxasge_declaration_transitions_total', { kind: 'tax_return', from: 'draft', to: 'submitted' }],
        ['taxasge_declaration_transitions_total', { kind: 'tax_return', from: 'submitted', to: 'cancelled' }],
      ],
      async () => {
        id = (await newTaxReturn()).id;
        await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
      },
    );
    expect(moved).toEqual([1, 1, 0]);

    const transitions = await totalOf('taxasge_declaration_transitions_total');
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(409);
    expect(await totalOf('taxasge_declaration_transitions_total')).toBe(transitions);

    expect(
      await changes([['taxasge_declaration_transitions_total', { kind: 'tax_return', from: 'submitted', to: 'cancelled' }]], () =>
        as(citizen).post(`/api/v1/declarations/${id}/cancel`).expect(200),
      ),
    ).toEqual([1]);
  });
});

describe('review', () => {
  it('counts decisions by ministry and decision, and observes how long each declaration waited in the queue', async () => {
    const { id, ministry } = await newTaxReturn();
    expect(ministry).toBe('M-007');
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    const moved = await changes(
      [
        ['taxasge_review_decisions_total', { ministry, decision: 'documents_requested' }],
        ['taxasge_review_decisions_total', { ministry, decision: 'approved' }],
        ['taxasge_review_duration_seconds_count', { ministry }],
        ['taxasge_review_duration_seconds_sum', { ministry }],
        ['taxasge_review_duration_seconds_bucket', { ministry, le: '3600' }],
        ['taxasge_review_duration_seconds_bucket', { ministry, le: '14400' }],
      ],
      async () => {
        await advance(2 * 3600_000);
        await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
        await as(agent)
          .post(`/api/v1/agent/declarations/${id}/request-documents`, { documents: ['VAT ledger'], message: 'Attach the ledger' })
          .expect(200);
        // Resubmitting enters the queue again: the next wait starts there.
        await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
        await advance(3600_000);
        await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
        await as(agent).post(`/api/v1/agent/declarations/${id}/approve`).expect(200);
      },
    );
    // Waits of 2 h and 1 h: both within 4 h, one within 1 h (buckets are cumulative).
    expect(moved).toEqual([1, 1, 2, 3 * 3600, 1, 2]);
  });

  it('counts a claim that expired before a decision, when the job gives it back to the queue', async () => {
    const { id, ministry } = await newTaxReturn();
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    const moved = await changes(
      [
        ['taxasge_review_claims_expired_total', { ministry }],
        ['taxasge_declaration_transitions_total', { kind: 'tax_return', from: 'in_review', to: 'submitted' }],
      ],
      async () => {
        await runJob('release-expired-claims'); // not expired yet: nothing to count
        await advance(2 * 3600_000 + 1000);
        expect((await runJob('release-expired-claims')).body.processed).toBeGreaterThanOrEqual(1);
      },
    );
    expect(moved).toEqual([1, 1]);
  });
});

describe('payments and receipts', () => {
  let receiptToken = '';

  it('count each status a payment reaches by method, the receipt issued, and the declaration moves the payment caused', async () => {
    let paid: CreatedPayment | undefined;
    const moved = await changes(
      [
        ['taxasge_payments_total', { status: 'pending', method: 'bange_card' }],
        ['taxasge_payments_total', { status: 'succeeded', method: 'bange_card' }],
        ['taxasge_receipts_issued_total', {}],
        ['taxasge_new_declarations_total', { kind: 'service_fee', service: 'T-001' }],
        ['taxasge_declaration_transitions_total', { kind: 'service_fee', from: 'awaiting_payment', to: 'paid' }],
      ],
      async () => {
        paid = await aPayment().forService('T-001').create(app, citizen);
        await checkout(paid.bangeId, 'pay');
        await settle(app);
      },
    );
    expect(moved).toEqual([1, 1, 1, 1, 1]);
    expect((await as(citizen).get(`/api/v1/payments/${paid!.payment.id}`).expect(200)).body.status).toBe('succeeded');
    receiptToken = (await as(citizen).get(`/api/v1/payments/${paid!.payment.id}/receipt`).expect(200)).body.token;
  });

  it('count a declined payment as failed and a payment left pending past its expiry as expired', async () => {
    const moved = await changes(
      [
        ['taxasge_payments_total', { status: 'pending', method: 'bange_wallet' }],
        ['taxasge_payments_total', { status: 'failed', method: 'bange_wallet' }],
        ['taxasge_payments_total', { status: 'expired', method: 'bange_wallet' }],
      ],
      async () => {
        const declined = await aPayment().forService('T-002').withMethod('bange_wallet').create(app, citizen);
        await checkout(declined.bangeId, 'decline');
        await settle(app);
        expect((await as(citizen).get(`/api/v1/payments/${declined.payment.id}`).expect(200)).body.status).toBe('failed');
        const abandoned = await aPayment().forService('T-003').withMethod('bange_wallet').create(app, citizen);
        await advance(61 * 60_000);
        await runJob('poll-pending-payments');
        expect((await as(citizen).get(`/api/v1/payments/${abandoned.payment.id}`).expect(200)).body.status).toBe('expired');
        await runJob('poll-pending-payments'); // already expired: not again
      },
    );
    expect(moved).toEqual([2, 1, 1]);
  });

  it('count refunds as the statuses they give the payment, and the refunded declaration', async () => {
    const { declaration, payment, bangeId } = await aPayment().forService('T-019').create(app, citizen);
    await checkout(bangeId, 'pay');
    await settle(app);
    await as(agent).post(`/api/v1/agent/declarations/${declaration.id}/claim`).expect(200);
    const refund = (amount: number, key: string) =>
      as(finance).post('/api/v1/finance/refunds').set('Idempotency-Key', key).send({ paymentId: payment.id, amount, reason: 'rejected' });
    const moved = await changes(
      [
        ['taxasge_review_decisions_total', { ministry: declaration.ministry, decision: 'rejected' }],
        ['taxasge_payments_total', { status: 'partially_refunded', method: 'bange_card' }],
        ['taxasge_payments_total', { status: 'refunded', method: 'bange_card' }],
        ['taxasge_declaration_transitions_total', { kind: 'service_fee', from: 'rejected', to: 'refunded' }],
      ],
      async () => {
        await as(agent).post(`/api/v1/agent/declarations/${declaration.id}/reject`, { reason: 'Not the right service' }).expect(200);
        await refund(500, 'metrics-r1').expect(201);
        await refund(100, 'metrics-r2').expect(201); // still partially refunded: no new status
        await refund(payment.amount, 'metrics-r3').expect(400);
        await refund(payment.amount - 600, 'metrics-r4').expect(201);
      },
    );
    expect(moved).toEqual([1, 1, 1, 1]);
  });

  it('count receipt verifications by result', async () => {
    expect(receiptToken).not.toBe('');
    const [h, p, s] = receiptToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), amount: 2 })).toString('base64url')}.${s}`;
    const moved = await changes(
      [
        ['taxasge_receipt_verifications_total', { result: 'valid' }],
        ['taxasge_receipt_verifications_total', { result: 'invalid' }],
      ],
      async () => {
        await api()
          .post('/api/v1/receipts/verify')
          .send({ token: receiptToken })
          .expect(200)
          .expect((r) => expect(r.body.valid).toBe(true));
        await api()
          .post('/api/v1/receipts/verify')
          .send({ token: forged })
          .expect(200)
          .expect((r) => expect(r.body.valid).toBe(false));
        await api()
          .post('/api/v1/receipts/verify')
          .send({ token: 'garbage' })
          .expect(200)
          .expect((r) => expect(r.body.valid).toBe(false));
      },
    );
    expect(moved).toEqual([1, 2]);
  });
});

describe('a change whose transaction rolls back', () => {
  /** The same database, but every transaction fails after its work: PostgreSQL rolls it all back. */
  const failingCommit = (db: Database): Database => ({
    query: (text, params) => db.query(text, params),
    transaction: (fn) =>
      db.transaction(async (tx) => {
        await fn(tx);
        throw new Error('commit failed');
      }),
    ping: (timeoutMs) => db.ping(timeoutMs),
    stats: () => db.stats(),
    close: () => db.close(),
  });

  it('is never reported: no transition, no decision, no creation', async () => {
    const { id } = await newTaxReturn();
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    await as(agent).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    const transitions: CommittedTransition[] = [];
    const decisions: ReviewDecision[] = [];
    const deps = {
      db: failingCommit(app.runtime.db),
      clock: app.clock,
      ids: app.runtime.ids,
      publisher: getOutboxPublisher(),
      onTransition: (t: CommittedTransition) => void transitions.push(t),
    };
    const review = createReviewService({ ...deps, onDecision: (d) => void decisions.push(d) });
    const reviewer = { userId: agent.id, role: 'agent' as const, ministries: agent.ministries };
    await expect(review.approve(reviewer, id, undefined)).rejects.toThrow('commit failed');
    const owner = { userId: citizen.id, role: 'citizen' as const, ministries: [] };
    await expect(createDeclarationService(deps).create(owner, { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 1 })).rejects.toThrow(
      'commit failed',
    );
    expect({ transitions, decisions }).toEqual({ transitions: [], decisions: [] });
    expect((await as(citizen).get(`/api/v1/declarations/${id}`).expect(200)).body.status).toBe('in_review');

    // The same decision, committed, is counted once.
    const moved = await changes([['taxasge_review_decisions_total', { ministry: 'M-007', decision: 'approved' }]], () =>
      as(agent).post(`/api/v1/agent/declarations/${id}/approve`).expect(200),
    );
    expect(moved).toEqual([1]);
  });
});
