/** Fault: reviewers act on the same declaration at the same instant. One claim wins, one decision lands, and the money is untouched. */
import request from 'supertest';
import { anAccount, type CreatedAccount } from '../support/auth-fixtures';
import type { TestApp } from '../support/test-app';
import { createFaultApp } from './support/fault-app';
import { bankSucceeded, expectLedgerMatchesBank, statusOf } from './support/money';
import { type CreatedPayment, pendingPayments, settle } from '../support/payment-fixtures';

let app: TestApp;
let paid: CreatedPayment[];
let reviewers: CreatedAccount[];

beforeAll(async () => {
  app = await createFaultApp({ poolMax: 40 });
  const citizen = await anAccount().create(app);
  reviewers = [
    await anAccount().withRole('agent', ['M-001']).create(app),
    await anAccount().withRole('agent', ['M-001']).create(app),
    await anAccount().withRole('supervisor', ['M-001']).create(app),
  ];
  paid = await pendingPayments(app, citizen, 8);
  for (const p of paid)
    await request(app.server)
      .post(`/sandbox/bange/checkout/${p.bangeId}/pay`)
      .expect((r) => expect(r.status).toBeLessThan(300));
  await settle(app);
});
afterAll(() => app.close());

const act = (who: CreatedAccount, id: string, verb: string, body?: object) =>
  request(app.server)
    .post(`/api/v1/agent/declarations/${id}/${verb}`)
    .set('Authorization', `Bearer ${who.accessToken}`)
    .send(body ?? {});

async function history(id: string): Promise<Record<string, number>> {
  const { rows } = await app.database.db.query<{ action: string; n: number }>(
    'SELECT action, count(*)::int AS n FROM declaration_history WHERE declaration_id = $1 GROUP BY action',
    [id],
  );
  return Object.fromEntries(rows.map((r) => [r.action, r.n]));
}

it('lets exactly one of two or three reviewers claiming at once win, and one decision land', async () => {
  for (const [i, p] of paid.entries()) {
    expect((await statusOf(app, p.payment.id)).declaration).toBe('paid');
    const racing = i % 2 ? reviewers : reviewers.slice(0, 2);
    const claims = await Promise.all(racing.map((r) => act(r, p.declaration.id, 'claim')));
    expect(claims.map((c) => c.status).sort()).toEqual([200, ...racing.slice(1).map(() => 409)]);
    for (const lost of claims.filter((c) => c.status === 409)) expect(lost.body.detail).toMatch(/claimed by another reviewer/);
    const winner = racing[claims.findIndex((c) => c.status === 200)]!;
    const loser = racing.find((r) => r !== winner)!;

    // The holder approves and releases at once (a double click) while another reviewer rejects.
    const decisions = await Promise.all([
      act(winner, p.declaration.id, 'approve'),
      act(winner, p.declaration.id, 'release'),
      act(loser, p.declaration.id, 'reject', { reason: 'raced' }),
    ]);
    expect(decisions.filter((d) => d.status === 200)).toHaveLength(1);
    expect(decisions.every((d) => d.status === 200 || d.status === 409)).toBe(true);
    const steps = await history(p.declaration.id);
    expect(steps.claim).toBe(1);
    expect((steps.approve ?? 0) + (steps.release ?? 0) + (steps.reject ?? 0)).toBe(1);
    expect(['completed', 'paid']).toContain((await statusOf(app, p.payment.id)).declaration);
  }
  await settle(app);
  await expectLedgerMatchesBank(app, bankSucceeded(app));
});
