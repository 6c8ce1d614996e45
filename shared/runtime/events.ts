/** The consumers of a runtime, each subscription of the topology wired to its handler; locally every one runs in this process. */
import { createNotificationsHandler } from '../domain/notifications/notifications.handler';
import { createPasswordResetLinks } from '../domain/identity/password-reset-links';
import { raiseFinalized } from '../adapters/storage/object-finalized';
import type { EventHandler, Subscription } from '../ports/event-bus.port';
import { subscriptionNames, subscriptionsServedBy, topology, type EventFunctionId, type SubscriptionName } from '../topology/topology';
import { getEventBus, getPublishingBus, serveLocally } from './bus';
import { getDocumentProcessor } from './documents';
import { getChannelNotifiers } from './notifications';
import { getPaymentConsumers } from './payments';
import { getRuntime, perRuntime } from './runtime';

export const getNotificationsHandlers = perRuntime((rt) =>
  createNotificationsHandler({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    logger: rt.logger,
    notifiers: getChannelNotifiers(),
    passwordResetLink: createPasswordResetLinks({ db: rt.db, clock: rt.clock, resetUrl: rt.config.auth.passwordResetUrl }),
    onDelivery: (channel, outcome) => rt.metrics().recorder.increment('notification_deliveries', { channel, outcome }),
  }),
);

/**
 * The handler of each subscription of the topology (a subscription without one, or one too many, does
 * not compile), each built only when asked for: an event function builds what its own subscriptions
 * need on its first delivery, not the payments, notifications and document processing of all of them.
 */
const handlers: Record<SubscriptionName, () => EventHandler> = {
  'apply-payment': () => getPaymentConsumers().applyPayment,
  'issue-receipt': () => getPaymentConsumers().issueReceipt,
  'notify-payer': () => getNotificationsHandlers().paymentApplied,
  'notify-declaration-events': () => getNotificationsHandlers().declarationEvents,
  'send-notices': () => getNotificationsHandlers().notices,
  'process-document': () => getDocumentProcessor().handle,
};

/** Subscriptions of the topology wired to their handlers, with the topology's retry policy. Production runs each in its event function. */
export function subscriptionsOf(names: readonly SubscriptionName[] = subscriptionNames): Subscription[] {
  return names.map((name) => ({
    name,
    topic: topology.subscriptions[name].topic,
    handler: counted(name, handlers[name]()),
    maxDeliveryAttempts: topology.delivery.maxDeliveryAttempts,
  }));
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

/** The binding of an event function of the topology: its subscriptions, routed by the topic Pub/Sub pushes from. */
export const eventFunctionBinding = (id: EventFunctionId) =>
  perRuntime((rt) => ({ logger: rt.logger, subscriptions: subscriptionsOf(subscriptionsServedBy(id)) }));

/** The local storage handler's onStored: a completed upload raises what Cloud Storage's notification raises in production, on the bus of this runtime. */
export const raiseDocumentUploads = () => raiseFinalized((event) => getPublishingBus().publish(topology.storageNotifications.documents.topic, event));

// Locally (npm start, tests) the in-process bus delivers to every subscription of the topology.
serveLocally(() => subscriptionsOf());

export { getEventBus };
