/** Publishing domain events through the outbox: the entries a transaction wrote, published once it committed (shared/events). */
import type { DomainEvent, Topic } from './event-bus.port';

export interface OutboxEntry {
  topic: Topic;
  event: DomainEvent;
}

export interface PublishOptions {
  /**
   * Resolve only once the rows are marked published (the default). A caller someone is waiting on
   * (BANGE, for a webhook) passes false: its mark joins the next batch, and a mark that never lands
   * only means the sweeper sends the event again, which consumers de-duplicate.
   */
  awaitMark?: boolean;
}

export interface OutboxPublisher {
  /** Publishes events just committed; failures stay in the outbox and never fail the caller. */
  publishCommitted(entries: OutboxEntry[], options?: PublishOptions): Promise<void>;
  /** Re-sends what is still unpublished, oldest first; returns how many were published. */
  sweep(limit?: number): Promise<{ published: number; remaining: number }>;
  /** Writes the marks still waiting for their batch: call before closing the database, and in tests. */
  flush(): Promise<void>;
  /** Waits until every event handed to an in-memory bus is settled and its mark written: before closing the database. */
  settle(): Promise<void>;
}
