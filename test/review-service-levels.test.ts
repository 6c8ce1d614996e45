/**
 * Review service levels through the API with the injectable clock: the scheduled job warns the
 * ministry's agents at 18 h and escalates to its supervisors at 72 h, once; reviewers' comments in
 * the history; ministries' auto-approval thresholds read and set by admins, audited.
 */
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { getReviewService } from '../shared/runtime/declarations';
import { getEventBus } from '../shared/runtime/events';
import { anAccount, reissue, requestsAs, type CreatedAccount } from './support/auth-fixtures';
import { mailTo } from './support/mail-drop';
import { createTestApp, type TestApp } from './support/test-app';
import '../functions/jobs';

let app: TestApp;
let citizen: CreatedAccount;
let agents: CreatedAccount[];
let supervisor: CreatedAccount;
let otherMinistryAgent: CreatedAccount;
let admin: CreatedAccount;
beforeAll(async () => {
  app = await createTestApp();
  citizen = await anAccount().create(app);
  agents = [await anAccount().withRole('agent', ['M-007']).create(app), await anAccount().withRole('agent', ['M-007', 'M-001']).create(app)];
  supervisor = await anAccount().withRole('supervisor', ['M-007']).create(app);
  otherMinistryAgent = await anAccount().withRole('agent', ['M-002']).create(app);
  admin = await anAccount().withRole('admin').create(app);
});
afterAll(() => app.close());

const as = requestsAs(() => app);
const hours = (h: number) => h * 3_600_000;
/** Moves the clock; access tokens live 15 minutes, so everyone gets a fresh one. */
async function advance(ms: number) {
  app.clock.advance(ms);
  await reissue(citizen, ...agents, supervisor, otherMinistryAgent, admin);
}
const runJob = async () =>
  (await request(getTestServer('jobs')).post('/jobs/enforce-review-slas').expect(200)).body as { job: string; processed: number; remaining: number };

/** A submitted tax return (ministry M-007), waiting in the queue from now. */
async function submittedTaxReturn(): Promise<string> {
  const created = await as(citizen)
    .post('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 500_000 })
    .expect(201);
  await as(citizen).post(`/api/v1/declarations/${created.body.id}/submit`).expect(200);
  return created.body.id as string;
}

const historyOf = async (id: string) =>
  (await as(supervisor).get(`/api/v1/declarations/${id}`).expect(200)).body.history as {
    action: string;
    from: string;
    to: string;
    byRole: string;
    reason: string | null;
    comment: string | null;
  }[];
const templatesTo = async (who: CreatedAccount) => (await mailTo(app, who.email)).map((text) => /^Template: (.+)$/m.exec(text)![1]!);

describe('the review-service-levels job', () => {
  it('does nothing before 18 h, warns every agent of the ministry once at 18 h, escalates to its supervisors once at 72 h', async () => {
    const id = await submittedTaxReturn();
    await advance(hours(17) + 59 * 60_000);
    expect(await runJob()).toEqual({ job: 'enforce-review-slas', processed: 0, remaining: 0 });

    await advance(60_000);
    expect(await runJob()).toEqual({ job: 'enforce-review-slas', processed: 1, remaining: 0 });
    expect(await runJob()).toEqual({ job: 'enforce-review-slas', processed: 0, remaining: 0 });
    const warned = await as(agents[0]!).get('/api/v1/agent/queue?ministry=M-007').expect(200);
    expect(warned.body.items.find((i: { declaration: { id: string } }) => i.declaration.id === id)).toMatchObject({
      sla: 'warning',
      declaration: { status: 'submitted' },
    });
    expect((await historyOf(id)).filter((h) => h.action === 'sla_warning')).toEqual([
      expect.objectContaining({ from: 'submitted', to: 'submitted', byRole: 'system', reason: 'waiting 18 h for review (warning at 18 h)' }),
    ]);
    for (const agent of agents) expect(await templatesTo(agent)).toEqual(['review-sla-warning']);
    expect(await templatesTo(supervisor)).toEqual([]);
    expect(await templatesTo(otherMinistryAgent)).toEqual([]);

    // Claimed meanwhile: still waiting for a decision, so the 72 h escalation takes it from the agent.
    await advance(hours(53));
    await as(agents[0]!).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    await advance(hours(1));
    expect(await runJob()).toEqual({ job: 'enforce-review-slas', processed: 1, remaining: 1 });
    expect(await runJob()).toEqual({ job: 'enforce-review-slas', processed: 0, remaining: 0 });
    const read = await as(supervisor).get(`/api/v1/declarations/${id}`).expect(200);
    expect(read.body).toMatchObject({ status: 'escalated', claim: null });
    expect(read.body.history.filter((h: { action: string }) => h.action === 'escalate')).toEqual([
      expect.objectContaining({ from: 'in_review', to: 'escalated', byRole: 'system', reason: 'review overdue: waiting 72 h (escalation at 72 h)' }),
    ]);
    expect(await templatesTo(supervisor)).toEqual(['review-escalated']);
    for (const agent of agents) expect(await templatesTo(agent)).toEqual(['review-sla-warning']);
    // The supervisor decides it without a claim.
    await as(supervisor).post(`/api/v1/agent/declarations/${id}/approve`, { comment: 'Checked against the July ledger' }).expect(200);
  });

  it('escalates at once what waited 72 h without a warning, and warns a declaration again after it re-entered the queue', async () => {
    const late = await submittedTaxReturn();
    await advance(hours(72));
    expect(await runJob()).toMatchObject({ processed: 1, remaining: 1 });
    expect((await historyOf(late)).map((h) => h.action)).toEqual(['create', 'submit', 'escalate']);

    const id = await submittedTaxReturn();
    await advance(hours(18));
    expect(await runJob()).toMatchObject({ processed: 1, remaining: 0 });
    await as(agents[1]!).post(`/api/v1/agent/declarations/${id}/claim`).expect(200);
    await as(agents[1]!)
      .post(`/api/v1/agent/declarations/${id}/request-documents`, { documents: ['ledger'], message: 'Attach the ledger' })
      .expect(200);
    await as(citizen).post(`/api/v1/declarations/${id}/submit`).expect(200);
    expect(await runJob()).toMatchObject({ processed: 0 });
    await advance(hours(18));
    expect(await runJob()).toMatchObject({ processed: 1, remaining: 0 });
    expect((await historyOf(id)).filter((h) => h.action === 'sla_warning')).toHaveLength(2);
  });

  it('is what an agent cannot do: a queued declaration is escalated by the system only', async () => {
    const id = await submittedTaxReturn();
    const refused = await as(agents[0]!).post(`/api/v1/agent/declarations/${id}/escalate`, { reason: 'too long' }).expect(403);
    expect(refused.body.detail).toMatch(/Only system may escalate/);
  });
});

describe("reviewers' comments", () => {
  it('are kept in the history of an approval and a rejection, beside the reason', async () => {
    const approved = await submittedTaxReturn();
    await as(agents[0]!).post(`/api/v1/agent/declarations/${approved}/claim`).expect(200);
    await as(agents[0]!).post(`/api/v1/agent/declarations/${approved}/approve`, { comment: '  Matches the ledger  ' }).expect(200);
    expect((await historyOf(approved)).find((h) => h.action === 'approve')).toMatchObject({ comment: 'Matches the ledger', reason: null });

    const rejected = await submittedTaxReturn();
    await as(agents[0]!).post(`/api/v1/agent/declarations/${rejected}/claim`).expect(200);
    await as(agents[0]!).post(`/api/v1/agent/declarations/${rejected}/reject`, { reason: 'Wrong period', comment: 'Called the taxpayer' }).expect(200);
    expect((await historyOf(rejected)).find((h) => h.action === 'reject')).toMatchObject({ reason: 'Wrong period', comment: 'Called the taxpayer' });
    expect(
      (await as(citizen).get(`/api/v1/declarations/${rejected}`).expect(200)).body.history.find((h: { action: string }) => h.action === 'claim'),
    ).toMatchObject({ comment: null });
  });
});

describe("ministries' auto-approval thresholds", () => {
  it('are read and set by admins only, audited, and approve the next paid fee at or below them', async () => {
    await as(admin).get('/api/v1/admin/ministries/M-001/auto-approval').expect(200, { ministry: 'M-001', threshold: 0, currency: 'XAF' });
    await as(agents[1]!).get('/api/v1/admin/ministries/M-001/auto-approval').expect(403);
    await as(admin).get('/api/v1/admin/ministries/M-999/auto-approval').expect(404);
    const bad = await request(app.server)
      .put('/api/v1/admin/ministries/M-001/auto-approval')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ threshold: -1 })
      .expect(400);
    expect(bad.body.errors[0].path).toBe('body.threshold');

    await request(app.server)
      .put('/api/v1/admin/ministries/m-001/auto-approval')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ threshold: 2000 })
      .expect(200, { ministry: 'M-001', threshold: 2000, currency: 'XAF' });
    await as(admin).get('/api/v1/admin/ministries/M-001/auto-approval').expect(200, { ministry: 'M-001', threshold: 2000, currency: 'XAF' });
    const audit = await as(admin).get('/api/v1/admin/audit-log?action=ministry.auto_approval_threshold_changed').expect(200);
    expect(audit.body.items[0]).toMatchObject({ actorId: admin.id, target: 'ministry:M-001', details: { before: 0, after: 2000, currency: 'XAF' } });

    // T-001 costs 2000 XAF: paid now, it is approved at once instead of joining the queue.
    const fee = await as(citizen).post('/api/v1/declarations', { kind: 'service_fee', serviceCode: 'T-001', feeType: 'expedition' }).expect(201);
    const { events } = await app.database.db.transaction((tx) => getReviewService().markPaid(tx, fee.body.id));
    expect(events.map((e) => e.event.type)).toEqual(['declaration.paid', 'declaration.completed']);
    await getEventBus().drain();
  });
});
