import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { createInProcessBus } from '../shared/adapters/events/in-process-bus';
import { handleOnce } from '../shared/domain/events/inbox.repository';
import { createLogger } from '../shared/logging/logger';
import type { DomainEvent } from '../shared/ports/event-bus.port';
import { getReviewService } from '../shared/runtime/declarations';
import { getEventBus } from '../shared/runtime/events';
import { anAccount, type CreatedAccount } from './support/auth-fixtures';
import { createTestApp, type TestApp } from './support/test-app';
import '../functions/jobs';

let app: TestApp;
let citizen: CreatedAccount;
const received: DomainEvent[] = [];

beforeAll(async () => {
  app = await createTestApp();
  citizen = await anAccount().create(app);
  getEventBus().subscribe({ name: 'test-capture', topic: 'declaration-events', handler: async (e) => void received.push(e) });
});
afterAll(() => app.close());

const createFee = (serviceCode = 'T-001') =>
  request(app.server)
    .post('/api/v1/declarations')
    .set('Authorization', `Bearer ${citizen.accessToken}`)
    .send({ kind: 'service_fee', serviceCode, feeType: 'expedition' })
    .expect(201);

describe('declaration events', () => {
  it('publishes each transition after commit and marks it published', async () => {
    const { body } = await createFee();
    await getEventBus().drain();
    const event = received.find((e) => e.subject === body.id)!;
    expect(event).toMatchObject({
      type: 'declaration.awaiting_payment',
      source: '/taxasge/declarations',
      data: { declarationId: body.id, from: null, to: 'awaiting_payment', amount: 2000, currency: 'XAF', ownerId: citizen.id },
    });
    const { rows } = await app.database.db.query('SELECT published_at FROM event_outbox WHERE id = $1', [event.id]);
    expect(rows[0]!.published_at).not.toBeNull();
  });

  it('keeps events in the outbox while the bus is down, and the sweeper job publishes them after', async () => {
    getEventBus().setAvailable(false);
    const { body } = await createFee('T-002');
    const pending = await app.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL');
    expect(pending.rows[0]!.n).toBe(1);
    expect(app.logs.some((l) => l.includes('event kept in the outbox for the sweeper'))).toBe(true);

    getEventBus().setAvailable(true);
    const swept = await request(getTestServer('jobs')).post('/jobs/sweep-outbox').expect(200);
    expect(swept.body).toEqual({ job: 'sweep-outbox', processed: 1, remaining: 0 });
    await getEventBus().drain();
    expect(received.some((e) => e.subject === body.id)).toBe(true);
  });
});

describe('payment of a service fee', () => {
  it('joins the review queue above the ministry threshold, and is approved at once at or below it', async () => {
    const above = (await createFee()).body;
    await app.database.db.query("UPDATE ministries SET auto_approval_threshold = 1640 WHERE code = 'M-002'");
    const below = (
      await request(app.server)
        .post('/api/v1/declarations')
        .set('Authorization', `Bearer ${citizen.accessToken}`)
        .send({ kind: 'service_fee', serviceCode: 'T-023', feeType: 'expedition' })
        .expect(201)
    ).body;
    expect(below.ministry).toBe('M-002');
    expect(below.amount).toBe(1640);

    const review = getReviewService();
    const paidAbove = await app.database.db.transaction((tx) => review.markPaid(tx, above.id));
    expect(paidAbove.declaration.status).toBe('paid');
    const paidBelow = await app.database.db.transaction((tx) => review.markPaid(tx, below.id));
    expect(paidBelow.declaration.status).toBe('completed');
    expect(paidBelow.events.map((e) => e.event.type)).toEqual(['declaration.paid', 'declaration.completed']);
    await expect(app.database.db.transaction((tx) => review.markPaid(tx, below.id))).rejects.toThrow(/it is completed/);
  });

  it('expires an unpaid quote after 72 hours through the scheduled job', async () => {
    const { body } = await createFee('T-003');
    app.clock.advance(73 * 3600_000);
    const res = await request(getTestServer('jobs')).post('/jobs/expire-quotes').expect(200);
    expect(res.body.processed).toBeGreaterThanOrEqual(1);
    const { rows } = await app.database.db.query('SELECT status FROM declarations WHERE id = $1', [body.id]);
    expect(rows[0]!.status).toBe('expired');
  });
});

describe('the in-process bus', () => {
  it('retries a failing handler and dead-letters the event after its last attempt', async () => {
    const dead: unknown[] = [];
    const attempts: number[] = [];
    const bus = createInProcessBus({
      logger: createLogger({ level: 'error', write: () => undefined }),
      retryDelayMs: 1,
      onDeadLetter: async (d) => void dead.push(d),
    });
    bus.subscribe({
      name: 'always-fails',
      topic: 'notifications',
      maxDeliveryAttempts: 3,
      handler: async (_e, d) => {
        attempts.push(d.attempt);
        throw new Error('nope');
      },
    });
    let okCalls = 0;
    bus.subscribe({
      name: 'ok-on-second',
      topic: 'notifications',
      handler: async (_e, d) => {
        okCalls++;
        if (d.attempt === 1) throw new Error('transient');
      },
    });
    await bus.publish('notifications', { id: 'e1', type: 't', source: 's', time: new Date().toISOString(), data: {} });
    await bus.drain();
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toEqual([expect.objectContaining({ subscription: 'always-fails', topic: 'notifications', error: 'nope', attempts: 3 })]);
    expect(okCalls).toBe(2);
  });

  it('runs an inbox-guarded handler once per event id', async () => {
    let runs = 0;
    const handle = () => handleOnce(app.database.db, 'test-inbox', 'event-42', new Date(), async () => void runs++);
    expect(await Promise.all([handle(), handle(), handle()])).toEqual(expect.arrayContaining([true, false, false]));
    expect(runs).toBe(1);
  });
});

describe('notifications of declaration events', () => {
  it('tells the owner in their language that the return was approved, once even when delivered three times', async () => {
    const { getNotificationsHandlers } = await import('../shared/runtime/events');
    const { reissue } = await import('./support/auth-fixtures');
    const owner = await anAccount().create(app);
    const agent = await anAccount().withRole('agent', ['M-007']).create(app);
    await reissue(owner, agent);
    await app.database.db.query("UPDATE users SET locale = 'fr' WHERE id = $1", [owner.id]);
    const as = (who: CreatedAccount) => (path: string, body?: object) =>
      request(app.server)
        .post(path)
        .set('Authorization', `Bearer ${who.accessToken}`)
        .send(body ?? {});
    const { body } = await as(owner)('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2026-08', declaredAmount: 50_000 }).expect(201);
    await as(owner)(`/api/v1/declarations/${body.id}/submit`).expect(200);
    await as(agent)(`/api/v1/agent/declarations/${body.id}/claim`).expect(200);
    await as(agent)(`/api/v1/agent/declarations/${body.id}/approve`, { validatedAmount: 50_000 }).expect(200);
    await getEventBus().drain();

    const approved = received.find((e) => e.subject === body.id && e.type === 'declaration.approved')!;
    const handlers = getNotificationsHandlers();
    for (let attempt = 1; attempt <= 3; attempt++) await handlers.declarationEvents(approved, { subscription: 'notify-declaration-events', attempt });

    const { rows } = await app.database.db.query<{ channel: string; locale: string; payload: unknown }>(
      "SELECT channel, locale, payload FROM notification_outbox WHERE recipient = $1 AND template LIKE '%approved%'",
      [owner.email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: 'email', locale: 'fr' });
    const deliveries = await app.database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM notification_deliveries WHERE event_id = $1 AND outcome = 'sent'",
      [approved.id],
    );
    expect(deliveries.rows[0]!.n).toBe(1);
  });
});
