import { randomUUID } from 'node:crypto';
import type { Queryable } from '../ports/database.port';
import { createLogger } from '../logging/logger';
import { createFixedClock } from '../ports/clock.port';
import type { DomainEvent, EventBus } from '../ports/event-bus.port';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { createInProcessBus } from '../adapters/events/in-process-bus';
import { createOutboxPublisher, type MarkBatching } from './event-outbox';
import { enqueueEvent, enqueueEvents } from '../domain/events/outbox.repository';
import type { OutboxEntry } from '../ports/outbox.port';

let t: TestDatabase;
const clock = createFixedClock('2026-03-02T10:00:00.000Z');

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(() => t.db.query('DELETE FROM event_outbox'));

/** The database as the publisher sees it, counting the marks it writes and failing them when told. */
function watchedDb() {
  const watched = { marks: 0, failMarks: false };
  const db: Queryable = {
    query: async (text, params) => {
      if (text.includes('SET published_at')) {
        watched.marks++;
        if (watched.failMarks) throw new Error('connection terminated unexpectedly');
      }
      return t.db.query(text, params);
    },
  };
  return { db, watched };
}

function recordingBus() {
  const bus = { sent: [] as DomainEvent[], down: false };
  const port: EventBus = {
    publish: async (_topic, event) => {
      if (bus.down) throw new Error('bus unavailable');
      bus.sent.push(event);
    },
  };
  return { bus, port };
}

function setup(batching: Partial<MarkBatching> = {}) {
  const { db, watched } = watchedDb();
  const { bus, port } = recordingBus();
  const logs: string[] = [];
  const publisher = createOutboxPublisher({ db, bus: port, clock, logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }), batching });
  return { publisher, watched, bus, logs };
}

/** Events committed to the outbox, as a change's transaction leaves them. */
async function committed(n: number): Promise<OutboxEntry[]> {
  const entries: OutboxEntry[] = Array.from({ length: n }, () => ({
    topic: 'payment-events',
    event: { id: randomUUID(), type: 'payment.succeeded', source: 'test', time: clock.now().toISOString(), data: {} },
  }));
  for (const e of entries) await enqueueEvent(t.db, e, clock.now());
  return entries;
}

async function rowsOf(entries: OutboxEntry[]) {
  const { rows } = await t.db.query<{ id: string; published: boolean; attempts: number; last_error: string | null }>(
    'SELECT id, published_at IS NOT NULL AS published, attempts, last_error FROM event_outbox WHERE id = ANY($1::uuid[])',
    [entries.map((e) => e.event.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, { published: r.published, attempts: r.attempts, last_error: r.last_error }]));
  return entries.map((e) => byId.get(e.event.id));
}

const PUBLISHED = { published: true, attempts: 1, last_error: null };
const WAITING = { published: false, attempts: 0, last_error: null };

async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('marking published events in batches', () => {
  it('marks events published without waiting in one UPDATE when flushed', async () => {
    const { publisher, watched, bus } = setup({ maxDelayMs: 60_000 });
    const entries = await committed(5);
    for (const e of entries) await publisher.publishCommitted([e], { awaitMark: false });

    expect(bus.sent.map((e) => e.id)).toEqual(entries.map((e) => e.event.id));
    expect(await rowsOf(entries)).toEqual(entries.map(() => WAITING));
    await publisher.flush();
    expect(await rowsOf(entries)).toEqual(entries.map(() => PUBLISHED));
    expect(watched.marks).toBe(1);
  });

  it('sends a batch by itself after the delay, and at once when it is full', async () => {
    const timed = setup({ maxDelayMs: 5 });
    const [late] = await committed(1);
    await timed.publisher.publishCommitted([late!], { awaitMark: false });
    await eventually(async () => (await rowsOf([late!]))[0]!.published);

    const full = setup({ maxDelayMs: 60_000, maxIds: 2 });
    const entries = await committed(3);
    for (const e of entries) await full.publisher.publishCommitted([e], { awaitMark: false });
    await eventually(async () => (await rowsOf(entries.slice(0, 2))).every((r) => r!.published));
    expect((await rowsOf(entries))[2]).toEqual(WAITING);
    await full.publisher.flush();
    expect(await rowsOf(entries)).toEqual(entries.map(() => PUBLISHED));
    expect(full.watched.marks).toBe(2);
  });

  it('resolves after the marks when the caller waits (the default), in one UPDATE for its events and those queued', async () => {
    const { publisher, watched } = setup({ maxDelayMs: 60_000 });
    const [queued, ...mine] = await committed(3);
    await publisher.publishCommitted([queued!], { awaitMark: false });
    await publisher.publishCommitted(mine);
    expect(await rowsOf([queued!, ...mine])).toEqual([PUBLISHED, PUBLISHED, PUBLISHED]);
    expect(watched.marks).toBe(1);
  });

  it('leaves the rows of a failed mark unpublished for the sweeper, which sends them again', async () => {
    const { publisher, watched, bus, logs } = setup({ maxDelayMs: 60_000 });
    const entries = await committed(2);
    watched.failMarks = true;
    await publisher.publishCommitted(entries, { awaitMark: false });
    await publisher.flush();
    await expect(publisher.publishCommitted(await committed(1))).resolves.toBeUndefined();

    expect(await rowsOf(entries)).toEqual([WAITING, WAITING]);
    expect(logs.some((l) => l.includes('the sweeper will send them again'))).toBe(true);
    watched.failMarks = false;
    expect(await publisher.sweep()).toEqual({ published: 3, remaining: 0 });
    expect(await rowsOf(entries)).toEqual([PUBLISHED, PUBLISHED]);
    expect(bus.sent.filter((e) => e.id === entries[0]!.event.id)).toHaveLength(2);
  });

  it('writes queued marks before sweeping, so a sweep does not send those events again', async () => {
    const { publisher, bus } = setup({ maxDelayMs: 60_000 });
    const entries = await committed(2);
    await publisher.publishCommitted(entries, { awaitMark: false });
    expect(await publisher.sweep()).toEqual({ published: 0, remaining: 0 });
    expect(bus.sent).toHaveLength(2);
  });

  it('keeps an event the bus refused in the outbox, with the attempt and its error, and never marks it', async () => {
    const { publisher, bus, watched } = setup({ maxDelayMs: 60_000 });
    const [entry] = await committed(1);
    bus.down = true;
    await publisher.publishCommitted([entry!], { awaitMark: false });
    await publisher.flush();
    expect(await rowsOf([entry!])).toEqual([{ published: false, attempts: 1, last_error: 'bus unavailable' }]);
    expect(watched.marks).toBe(0);

    bus.down = false;
    expect(await publisher.sweep()).toEqual({ published: 1, remaining: 0 });
    expect(await rowsOf([entry!])).toEqual([{ published: true, attempts: 2, last_error: null }]);
  });
});

describe('with the in-process bus, whose hand-off is not durable', () => {
  function inProcess(handler: (event: DomainEvent) => Promise<void>, onDeadLetter: () => Promise<void>) {
    const logger = createLogger({ level: 'debug', write: () => undefined });
    const bus = createInProcessBus({ logger, onDeadLetter, retryDelayMs: 1 });
    bus.subscribe({ name: 'apply-payment', topic: 'payment-events', handler: (e) => handler(e), maxDeliveryAttempts: 2 });
    return { bus, publisher: createOutboxPublisher({ db: t.db, bus, clock, logger }) };
  }

  it('marks an event only once its consumer handled it, and the sweeper leaves it alone meanwhile', async () => {
    let release!: () => void;
    const handled = new Promise<void>((r) => (release = r));
    const { bus, publisher } = inProcess(
      () => handled,
      async () => undefined,
    );
    const entries = await committed(1);
    await publisher.publishCommitted(entries);
    await publisher.flush();
    expect((await rowsOf(entries))[0]).toMatchObject({ published: false });
    // Still with its consumer: a sweep sends nothing.
    expect(await publisher.sweep()).toEqual({ published: 0, remaining: 0 });
    release();
    await bus.drain();
    await publisher.settle();
    expect((await rowsOf(entries))[0]).toMatchObject({ published: true, attempts: 1 });
  });

  it('keeps an event unpublished when its consumer failed and its dead letter could not be recorded, and the sweeper sends it again', async () => {
    let failing = true;
    const seen: string[] = [];
    const { bus, publisher } = inProcess(
      async (e) => {
        seen.push(e.id);
        if (failing) throw new Error('database away');
      },
      async () => {
        throw new Error('database away');
      },
    );
    const entries = await committed(1);
    await publisher.publishCommitted(entries);
    await bus.drain();
    await publisher.settle();
    expect((await rowsOf(entries))[0]).toMatchObject({ published: false, last_error: expect.stringMatching(/neither handled nor dead-lettered/) });
    failing = false;
    await publisher.sweep();
    await bus.drain();
    await publisher.settle();
    expect((await rowsOf(entries))[0]).toMatchObject({ published: true });
    expect(seen).toEqual([entries[0]!.event.id, entries[0]!.event.id, entries[0]!.event.id]);
  });
});

describe('enqueueEvents', () => {
  it('writes several events of a transaction in one statement, each exactly as given', async () => {
    const at = clock.now();
    const tricky = { quote: 'say "paid"', backslash: 'C:\\fiscal\\', braces: '{a,b}', unicode: 'Malabo ñ € \u{1F4B0}', nested: { list: [1, 'two', null] } };
    const entries: OutboxEntry[] = [
      {
        topic: 'declaration-events',
        event: { id: randomUUID(), type: 'declaration.paid', source: 'test', subject: 's1', time: at.toISOString(), data: tricky },
      },
      {
        topic: 'payment-applied',
        event: { id: randomUUID(), type: 'payment.applied', source: 'test', subject: 's2', time: at.toISOString(), data: { amount: 15000 } },
      },
    ];
    const statements: string[] = [];
    await t.db.transaction((tx) => enqueueEvents({ query: (text, params, name) => (statements.push(text), tx.query(text, params, name)) }, entries, at));
    expect(statements).toHaveLength(1);
    const { rows } = await t.db.query<{ topic: string; event: DomainEvent; created_at: Date }>(
      'SELECT topic, event, created_at FROM event_outbox ORDER BY topic',
    );
    expect(rows).toEqual(entries.map((e) => ({ topic: e.topic, event: e.event, created_at: at })));
  });
});
