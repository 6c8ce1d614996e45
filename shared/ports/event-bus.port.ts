/**
 * Publishing domain events to topics and delivering them to subscriptions, Pub/Sub style:
 * at least once, possibly out of order; a handler that returns acknowledges, one that throws is
 * retried, and after the subscription's last attempt the event goes to its dead letters.
 */

export const TOPICS = ['declaration-events', 'payment-events', 'payment-applied', 'notifications', 'document-uploads'] as const;
export type Topic = (typeof TOPICS)[number];

/** A CloudEvents-shaped envelope; `id` is unique per event and is what consumers de-duplicate on. */
export interface DomainEvent<T = unknown> {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  data: T;
}

export interface Delivery {
  subscription: string;
  /** 1 on the first delivery. */
  attempt: number;
}

export type EventHandler = (event: DomainEvent, delivery: Delivery) => Promise<void>;

export interface Subscription {
  name: string;
  topic: Topic;
  handler: EventHandler;
  /** Deliveries before the event is dead-lettered (Pub/Sub allows 5..100). */
  maxDeliveryAttempts?: number;
}

export interface DeadLetter {
  subscription: string;
  event: DomainEvent;
  error: string;
  attempts: number;
}

/**
 * What a bus that keeps events only in memory (the in-process bus) answers a publish with: `settled`
 * resolves once every subscription handled the event or recorded it as a dead letter, and rejects
 * when neither happened. Until then the event is not durably taken, and its outbox row stays unpublished.
 */
export interface Handoff {
  settled: Promise<void>;
}

export interface EventBus {
  /**
   * Resolves once the bus has accepted the event durably (Pub/Sub: the publish is acknowledged), or
   * with a Handoff when its durability comes later; rejects when it could not take the event.
   */
  publish(topic: Topic, event: DomainEvent): Promise<void | Handoff>;
}

/**
 * Whether the bus could take a publish now, for readiness (`/health/ready`): it publishes nothing.
 * Separate from EventBus so a publisher (the outbox's late-bound bus, a test's fake) need not have one.
 */
export interface EventBusProbe {
  readonly kind: 'pubsub' | 'in-process';
  /** Resolves when the bus answers and its topics exist; rejects with one line saying what is wrong (naming a missing topic). */
  ping(timeoutMs?: number): Promise<void>;
}
