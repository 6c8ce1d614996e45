/**
 * Publishing that never loses an event: events are written to event_outbox in the transaction of
 * the change that caused them, published right after commit, and whatever could not be published
 * is re-sent by the sweeper. A row is marked published only once the bus holds the event durably
 * (Pub/Sub's acknowledgement; for the in-process bus, once every consumer handled or dead-lettered it).
 */
import type { Queryable } from '../ports/database.port';
import type { Logger } from '../ports/logger.port';
import type { Clock } from '../ports/clock.port';
import type { EventBus } from '../ports/event-bus.port';
import type { OutboxEntry, OutboxPublisher, PublishOptions } from '../ports/outbox.port';
import { countUnpublished, findUnpublished, markPublished, recordPublishFailure } from '../domain/events/outbox.repository';

export interface MarkBatching {
  /** How long a mark may wait for others to share its UPDATE. */
  maxDelayMs: number;
  /** Marks sent at once, without waiting for the delay. */
  maxIds: number;
}

const DEFAULT_BATCHING: MarkBatching = { maxDelayMs: 5, maxIds: 256 };
// event_outbox.id is a uuid: one id that is not would fail the UPDATE of the whole batch.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Marks published rows in batches: one UPDATE (one round trip, one WAL flush) for every id collected
 * within maxDelayMs or up to maxIds, instead of one per event. A failed UPDATE leaves its rows
 * unpublished for the sweeper; it never fails a caller.
 */
function createPublishedMarks(deps: { db: Queryable; clock: Clock; logger: Logger }, batching: MarkBatching) {
  let batch: { ids: string[]; written: Promise<void>; start: () => void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();

  async function write(ids: string[]): Promise<void> {
    try {
      // Rows still unpublished only: an event published twice (by its caller and by the sweeper) counts one attempt.
      await markPublished(deps.db, ids, deps.clock.now());
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.logger.warning('published events left unmarked in the outbox: the sweeper will send them again', { events: ids.length, error });
    }
  }

  function open(): NonNullable<typeof batch> {
    let start!: () => void;
    const ids: string[] = [];
    const written = new Promise<void>((resolve) => (start = resolve)).then(() => write(ids));
    return { ids, written, start };
  }

  /** Sends the ids collected so far; resolves when that UPDATE is done (or failed). */
  function dispatch(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const sent = batch;
    batch = undefined;
    if (!sent) return Promise.resolve();
    writing.add(sent.written);
    void sent.written.then(() => writing.delete(sent.written));
    sent.start();
    return sent.written;
  }

  return {
    /** Queues the mark of a published event; resolves once its batch is written (or failed). */
    add(id: string): Promise<void> {
      if (!UUID.test(id)) return Promise.resolve();
      const current = (batch ??= open());
      current.ids.push(id);
      if (current.ids.length >= batching.maxIds) void dispatch();
      // unref: a mark waiting for company never keeps a process (or a test run) alive; flush() sends it.
      else timer ??= setTimeout(() => void dispatch(), batching.maxDelayMs).unref();
      return current.written;
    },
    dispatch,
    /** Writes every mark queued so far, and waits for those already on their way. */
    async flush(): Promise<void> {
      void dispatch();
      await Promise.all([...writing]);
    },
  };
}

export function createOutboxPublisher(deps: { db: Queryable; bus: EventBus; clock: Clock; logger: Logger; batching?: Partial<MarkBatching> }): OutboxPublisher {
  const marks = createPublishedMarks(deps, { ...DEFAULT_BATCHING, ...deps.batching });
  /** Events handed to a bus that is not durable, whose consumers have not finished: the sweeper leaves them alone. */
  const handedOff = new Map<string, Promise<void>>();

  async function keepForSweeper(entry: OutboxEntry, err: unknown): Promise<void> {
    const error = err instanceof Error ? err.message : String(err);
    deps.logger.warning('event kept in the outbox for the sweeper', { eventId: entry.event.id, topic: entry.topic, error });
    await recordPublishFailure(deps.db, entry.event.id, error).catch(() => undefined);
  }

  /** Publishes one event; on success returns its queued mark (wrapped: an async function would wait for it). */
  async function publishOne(entry: OutboxEntry): Promise<{ marked: Promise<void> } | undefined> {
    let handoff;
    try {
      handoff = await deps.bus.publish(entry.topic, entry.event);
    } catch (err) {
      await keepForSweeper(entry, err);
      return undefined;
    }
    if (!handoff) return { marked: marks.add(entry.event.id) };
    // Held in memory only: marked once every consumer took it (or dead-lettered it). A crash before
    // then leaves the row unpublished, and the sweeper sends it again. Nobody waits for that here.
    const id = entry.event.id;
    const settling = handoff.settled.then(
      () => marks.add(id),
      (err: unknown) => keepForSweeper(entry, `consumers neither handled nor dead-lettered it: ${err instanceof Error ? err.message : String(err)}`),
    );
    handedOff.set(id, settling);
    void settling.finally(() => {
      if (handedOff.get(id) === settling) handedOff.delete(id);
    });
    return { marked: Promise.resolve() };
  }

  return {
    /** Publishes events just committed; failures stay in the outbox and never fail the caller. */
    async publishCommitted(entries: OutboxEntry[], options: PublishOptions = {}): Promise<void> {
      const marked: Promise<void>[] = [];
      for (const entry of entries) {
        const published = await publishOne(entry);
        if (published) marked.push(published.marked);
      }
      if (options.awaitMark === false || marked.length === 0) return;
      // The caller waits anyway: send now rather than after the delay (marks queued by others ride along).
      void marks.dispatch();
      await Promise.all(marked);
    },

    /** Re-sends what is still unpublished, oldest first; returns how many were published. */
    async sweep(limit = 500): Promise<{ published: number; remaining: number }> {
      // Marks still queued first: their events were published, and selecting them would send them again.
      await marks.flush();
      // Events still with their in-process consumers are not sent again while those work.
      const withConsumers = () => [...handedOff.keys()].filter((id) => UUID.test(id));
      let published = 0;
      for (const entry of await findUnpublished(deps.db, limit, withConsumers())) if (await publishOne(entry)) published++;
      await marks.flush();
      // Remaining: what nobody is sending; events with their in-process consumers are on their way.
      return { published, remaining: await countUnpublished(deps.db, withConsumers()) };
    },

    /** Writes the marks still waiting for their batch: call before closing the database, and in tests. */
    flush: () => marks.flush(),

    /** Waits until every event handed to an in-memory bus is settled and its mark written: before closing the database. */
    async settle(): Promise<void> {
      while (handedOff.size) await Promise.all([...handedOff.values()]);
      await marks.flush();
    },
  };
}
