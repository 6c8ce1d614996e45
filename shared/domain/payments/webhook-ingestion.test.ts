import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../ports/database.port';
import { createLogger } from '../../logging/logger';
import { createFixedClock } from '../../ports/clock.port';
import type { DomainEvent, EventBus } from '../../ports/event-bus.port';
import { randomIds, type IdGenerator } from '../../ports/ids.port';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { createOutboxPublisher } from '../../events/event-outbox';
import { mismatchOf } from './payment-application';
import type { PaymentEventData } from './payment.types';
import { insertPayment } from './payments.repository';
import { createWebhookIngestion, PAYMENT_EVENT_SOURCE } from './webhook-ingestion';
import { parseBangeWebhook } from '../../adapters/bank/bange-api.schemas';

let t: TestDatabase;
const clock = createFixedClock('2026-03-02T10:00:00.000Z');
const OWNER = '00000000-0000-4000-a000-000000000001';
const DECLARATION = '00000000-0000-4000-b000-000000000001';
const PAYMENT = '00000000-0000-4000-c000-000000000001';
const REFERENCE = 'PAY-2026-00000001';

beforeAll(async () => {
  t = await createTestDatabase();
  const at = clock.now();
  await t.db.query("INSERT INTO users (id, email, password_hash, full_name, role) VALUES ($1, 'ana@example.gq', 'x', 'Ana Nsue', 'citizen')", [OWNER]);
  await t.db.query(
    `INSERT INTO declarations (id, reference, kind, status, owner_id, ministry_code, tax_type, period, declared_amount, amount, created_at, updated_at)
     VALUES ($1, 'DEC-1', 'tax_return', 'draft', $2, 'M-001', 'iva', '2026-02', 2000, 2000, $3, $3)`,
    [DECLARATION, OWNER, at],
  );
  await insertPayment(t.db, {
    id: PAYMENT,
    reference: REFERENCE,
    declarationId: DECLARATION,
    ownerId: OWNER,
    amount: 2000,
    currency: 'XAF',
    method: 'bange_card',
    status: 'pending',
    bangePaymentId: null,
    checkoutUrl: null,
    transactionId: null,
    refundedAmount: 0,
    expiresAt: new Date(at.getTime() + 3_600_000),
    paidAt: null,
    createdAt: at,
    updatedAt: at,
  });
});
afterAll(() => t.drop());

/** Ingestion over the test database, counting the statements it sends and what it publishes. */
function setup(options: { ids?: IdGenerator } = {}) {
  const seen = { statements: 0, published: [] as DomainEvent[], busDown: false };
  const db: Queryable = {
    query: (text, params) => {
      if (!text.includes('SET published_at')) seen.statements++;
      return t.db.query(text, params);
    },
  };
  const bus: EventBus = {
    publish: async (_topic, event) => {
      if (seen.busDown) throw new Error('bus unavailable');
      seen.published.push(event);
    },
  };
  const publisher = createOutboxPublisher({ db, bus, clock, logger: createLogger({ level: 'error', write: () => undefined }) });
  const ingest = createWebhookIngestion({
    db,
    clock,
    ids: options.ids ?? randomIds,
    publisher,
    verifySignature: () => undefined,
    parseWebhook: parseBangeWebhook,
  });
  return { ingest, publisher, seen };
}

function webhook(over: { id?: string; type?: string; reference?: string; amount?: number; currency?: string } = {}) {
  return JSON.stringify({
    id: over.id ?? `evt_${randomUUID()}`,
    type: over.type ?? 'payment.succeeded',
    createdAt: clock.now().toISOString(),
    data: {
      transactionId: 'tx_1',
      reference: over.reference ?? REFERENCE,
      amount: over.amount ?? 2000,
      currency: over.currency ?? 'XAF',
      method: 'bange_card',
      paidAt: clock.now().toISOString(),
    },
  });
}

async function stored(id: string) {
  const { rows } = await t.db.query('SELECT status, detail, payment_id, transaction_id, amount::int, currency, type FROM webhook_events WHERE id = $1', [id]);
  return rows;
}
async function anomaliesOf(id: string) {
  const { rows } = await t.db.query('SELECT kind, payment_id, detail FROM payment_anomalies WHERE webhook_event_id = $1', [id]);
  return rows;
}
async function outboxOf(id: string) {
  const { rows } = await t.db.query<{ topic: string; event: DomainEvent<PaymentEventData>; published: boolean }>(
    "SELECT topic, event, published_at IS NOT NULL AS published FROM event_outbox WHERE event -> 'data' ->> 'webhookEventId' = $1",
    [id],
  );
  return rows;
}

describe('webhook ingestion', () => {
  it('stores an accepted webhook, queues its payment event and publishes it', async () => {
    const { ingest, publisher, seen } = setup();
    const body = webhook();
    const id = JSON.parse(body).id as string;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('accepted');

    expect(await stored(id)).toEqual([
      { status: 'accepted', detail: null, payment_id: PAYMENT, transaction_id: 'tx_1', amount: 2000, currency: 'XAF', type: 'payment.succeeded' },
    ]);
    expect(await anomaliesOf(id)).toEqual([]);
    const [row, ...more] = await outboxOf(id);
    expect(more).toEqual([]);
    expect(row!.topic).toBe('payment-events');
    expect(row!.event).toEqual({
      id: expect.any(String),
      type: 'payment.succeeded',
      source: PAYMENT_EVENT_SOURCE,
      subject: PAYMENT,
      time: clock.now().toISOString(),
      data: {
        webhookEventId: id,
        paymentId: PAYMENT,
        declarationId: DECLARATION,
        ownerId: OWNER,
        reference: REFERENCE,
        transactionId: 'tx_1',
        amount: 2000,
        currency: 'XAF',
        method: 'bange_card',
        paidAt: clock.now().toISOString(),
      },
    });
    // What was published is what the outbox holds; its mark follows in the next batch.
    expect(seen.published).toEqual([row!.event]);
    await publisher.flush();
    expect((await outboxOf(id))[0]!.published).toBe(true);
  });

  it('answers with one statement per webhook, whatever its outcome', async () => {
    const { ingest, seen } = setup();
    for (const body of [webhook(), webhook({ amount: 1 }), webhook({ reference: 'PAY-UNKNOWN' }), '{"id": 1}']) {
      seen.statements = 0;
      await ingest(Buffer.from(body), 'sig');
      expect(seen.statements).toBe(1);
      seen.statements = 0;
      expect(await ingest(Buffer.from(body), 'sig')).toBe('duplicate');
      expect(seen.statements).toBe(1);
    }
  });

  it('changes nothing when the same webhook arrives again, even concurrently; once published, publishes nothing more', async () => {
    const { ingest, publisher, seen } = setup();
    const body = webhook();
    const id = JSON.parse(body).id as string;
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ingest(Buffer.from(body), 'sig')));
    expect(outcomes.sort()).toEqual(['accepted', ...Array(7).fill('duplicate')]);
    // A duplicate that arrives before the publish is marked may publish the same event again (consumers dedupe by its id).
    expect(new Set(seen.published.map((e) => e.id)).size).toBe(1);
    await publisher.flush();
    const before = seen.published.length;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('duplicate');
    expect(seen.published).toHaveLength(before);
    expect(await stored(id)).toHaveLength(1);
    expect(await outboxOf(id)).toHaveLength(1);
  });

  it('publishes, on a duplicate, the event of a first delivery that died before publishing', async () => {
    const { ingest, publisher, seen } = setup();
    const body = webhook();
    const id = JSON.parse(body).id as string;
    seen.busDown = true;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('accepted');
    seen.busDown = false;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('duplicate');
    expect(seen.published.map((e) => e.data)).toEqual([expect.objectContaining({ webhookEventId: id, paymentId: PAYMENT })]);
    await publisher.flush();
    expect(await outboxOf(id)).toEqual([expect.objectContaining({ published: true })]);
  });

  it.each<[string, { amount: number; currency: string }]>([
    ['amount', { amount: 1999, currency: 'XAF' }],
    ['currency (reported before the amount)', { amount: 5, currency: 'EUR' }],
  ])('flags a %s mismatch with the words of mismatchOf, and queues nothing', async (_what, over) => {
    const { ingest, seen } = setup();
    const body = webhook(over);
    const id = JSON.parse(body).id as string;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('mismatch');
    const detail = `bank reported ${mismatchOf({ amount: 2000, currency: 'XAF' }, over)}`;
    expect(await stored(id)).toEqual([expect.objectContaining({ status: 'mismatch', detail, payment_id: PAYMENT })]);
    expect(await anomaliesOf(id)).toEqual([{ kind: 'amount_mismatch', payment_id: PAYMENT, detail }]);
    expect(await outboxOf(id)).toEqual([]);
    expect(seen.published).toEqual([]);
  });

  it('accepts a refund notice whose amount is the refunded one, not the payment’s', async () => {
    const { ingest } = setup();
    const body = webhook({ type: 'payment.refunded', amount: 500 });
    const id = JSON.parse(body).id as string;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('accepted');
    expect(await anomaliesOf(id)).toEqual([]);
    expect((await outboxOf(id))[0]!.event).toMatchObject({ type: 'payment.refunded', data: { amount: 500, paymentId: PAYMENT } });
  });

  it('stores and flags a webhook for an unknown reference, and queues nothing', async () => {
    const { ingest, seen } = setup();
    const body = webhook({ reference: 'PAY-RESTORED' });
    const id = JSON.parse(body).id as string;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('unmatched');
    const detail = 'no payment has reference PAY-RESTORED';
    expect(await stored(id)).toEqual([expect.objectContaining({ status: 'unmatched', detail, payment_id: null })]);
    expect(await anomaliesOf(id)).toEqual([{ kind: 'unknown_reference', payment_id: null, detail }]);
    expect(await outboxOf(id)).toEqual([]);
    expect(seen.published).toEqual([]);
  });

  it('stores an authentic body that is not a BANGE event as malformed, once', async () => {
    const { ingest } = setup();
    const body = '{"id": "evt_bad", "type": "payment.exploded"}';
    expect(await ingest(Buffer.from(body), 'sig')).toBe('malformed');
    expect(await ingest(Buffer.from(body), 'sig')).toBe('duplicate');
    const { rows } = await t.db.query('SELECT status, type, detail FROM webhook_events WHERE raw_body = $1', [body]);
    expect(rows).toEqual([{ status: 'malformed', type: null, detail: expect.stringContaining('type') }]);
  });

  it('still accepts when the bus is down: the event waits in the outbox for the sweeper', async () => {
    const { ingest, seen } = setup();
    seen.busDown = true;
    const body = webhook();
    const id = JSON.parse(body).id as string;
    expect(await ingest(Buffer.from(body), 'sig')).toBe('accepted');
    expect(await outboxOf(id)).toEqual([expect.objectContaining({ published: false })]);
  });

  it('writes nothing at all when any part of the statement fails', async () => {
    const taken = randomUUID();
    await t.db.query("INSERT INTO event_outbox (id, topic, event, created_at) VALUES ($1, 'payment-events', '{}', now())", [taken]);
    // The event's id collides with an outbox row: the outbox insert fails after the webhook's.
    const body = webhook();
    const id = JSON.parse(body).id as string;
    await expect(setup({ ids: { uuid: () => taken } }).ingest(Buffer.from(body), 'sig')).rejects.toThrow(/duplicate key/);
    expect(await stored(id)).toEqual([]);
    expect(await anomaliesOf(id)).toEqual([]);
    // BANGE's retry is then a first delivery, and goes through.
    expect(await setup().ingest(Buffer.from(body), 'sig')).toBe('accepted');
  });
});
