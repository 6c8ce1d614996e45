/**
 * The local default event bus, with Pub/Sub's contract: every subscription of a topic gets each
 * event at least once, asynchronously; a throwing handler is retried with backoff, and after its
 * last attempt the event is handed to the dead-letter sink. A publish answers with a Handoff whose
 * `settled` says when every subscription is done with the event (the outbox marks it only then).
 */
import type { Logger } from '../../ports/logger.port';
import type { DeadLetter, DomainEvent, EventBus, EventBusProbe, Subscription, Topic } from '../../ports/event-bus.port';

export interface InProcessBusOptions {
  logger: Logger;
  onDeadLetter: (dead: DeadLetter & { topic: Topic }) => Promise<void>;
  /** First retry delay; doubles per attempt. */
  retryDelayMs?: number;
  defaultMaxDeliveryAttempts?: number;
}

/**
 * Readiness of an in-process bus: it lives in this process, so it is up whenever the process answers.
 * (setAvailable is a switch for tests of publishers, not an outage readiness could see.)
 */
export const inProcessBusProbe: EventBusProbe = { kind: 'in-process', ping: () => Promise.resolve() };

export interface InProcessBus extends EventBus, EventBusProbe {
  readonly kind: 'in-process';
  subscribe(subscription: Subscription): void;
  /** Resolves when every delivery started so far (including retries) has finished. */
  drain(): Promise<void>;
  /** How many deliveries (with their retries) are still running. */
  pending(): number;
  /** Makes publish fail, to test what the callers do when the bus is down. */
  setAvailable(available: boolean): void;
}

export function createInProcessBus(options: InProcessBusOptions): InProcessBus {
  const subscriptions: Subscription[] = [];
  const inFlight = new Set<Promise<void>>();
  const retryDelayMs = options.retryDelayMs ?? 100;
  let available = true;

  function track(work: Promise<void>) {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  async function deliver(topic: Topic, subscription: Subscription, event: DomainEvent): Promise<void> {
    const max = subscription.maxDeliveryAttempts ?? options.defaultMaxDeliveryAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await subscription.handler(structuredClone(event), { subscription: subscription.name, attempt });
        return;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (attempt >= max) {
          options.logger.error('event dead-lettered', { subscription: subscription.name, eventId: event.id, type: event.type, attempts: attempt, error });
          await options.onDeadLetter({ subscription: subscription.name, topic, event, error, attempts: attempt });
          return;
        }
        options.logger.warning('event handler failed; retrying', { subscription: subscription.name, eventId: event.id, attempt, error });
        await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    kind: 'in-process',
    ping: inProcessBusProbe.ping,
    subscribe(subscription) {
      subscriptions.push(subscription);
    },
    async publish(topic, event) {
      if (!available) throw new Error('event bus unavailable');
      const deliveries = subscriptions
        .filter((x) => x.topic === topic)
        .map((s) => new Promise<void>((resolve) => setImmediate(resolve)).then(() => deliver(topic, s, event)));
      for (const d of deliveries) track(d.catch((err: unknown) => options.logger.error('event delivery crashed', { err })));
      // Memory is not durable: the event is taken once each handler succeeded or its dead letter was recorded.
      const settled = Promise.all(deliveries).then(() => undefined);
      settled.catch(() => undefined);
      return { settled };
    },
    async drain() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    pending: () => inFlight.size,
    setAvailable(value) {
      available = value;
    },
  };
}
