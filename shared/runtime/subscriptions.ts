/**
 * Subscriptions of the topology bound to handlers, with the topology's retry policy and each delivery
 * counted. Names no consumer itself: an event function passes the handlers of its own subscriptions
 * (runtime/payments.ts, notifications.ts, documents.ts), so its bundle holds only their services;
 * runtime/events.ts binds every subscription for the in-process bus.
 */
import type { EventHandler, Subscription } from '../ports/event-bus.port';
import { subscriptionsServedBy, topology, type EventFunctionId, type SubscriptionName } from '../topology/topology';
import { getRuntime, perRuntime } from './runtime';

/** The handler of a subscription, built on its first delivery (with the services it needs). */
export type SubscriptionHandlers = Partial<Record<SubscriptionName, () => EventHandler>>;

/** The named subscriptions wired to their handlers; a name without one is a wiring mistake, reported by name. */
export function bindSubscriptions(names: readonly SubscriptionName[], handlers: SubscriptionHandlers): Subscription[] {
  return names.map((name) => {
    const handler = handlers[name];
    if (!handler) throw new Error(`subscription ${name} has no handler in this function's wiring`);
    return { name, topic: topology.subscriptions[name].topic, handler: counted(name, handler()), maxDeliveryAttempts: topology.delivery.maxDeliveryAttempts };
  });
}

/** The handler, each delivery counted in event_deliveries{subscription, outcome}: processed, or failed (redelivered, then dead-lettered). */
function counted(subscription: SubscriptionName, handler: EventHandler): EventHandler {
  return async (event, delivery) => {
    let outcome = 'failed';
    try {
      await handler(event, delivery);
      outcome = 'processed';
    } finally {
      getRuntime().metrics().recorder.increment('event_deliveries', { subscription, outcome });
    }
  };
}

/**
 * The binding of an event function of the topology: its subscriptions, routed by the topic Pub/Sub
 * pushes from. Checked when the function loads: each subscription the topology gives it needs a handler.
 */
export function eventFunctionBinding(id: EventFunctionId, handlers: SubscriptionHandlers) {
  const names = subscriptionsServedBy(id);
  const missing = names.filter((name) => !handlers[name]);
  if (missing.length > 0) throw new Error(`event function ${id}: no handler for subscription(s) ${missing.join(', ')}`);
  return perRuntime((rt) => ({ logger: rt.logger, subscriptions: bindSubscriptions(names, handlers) }));
}
