/** The event bus and outbox publisher of a runtime; locally every subscription of the topology runs in this process. */
import { createInProcessBus } from '../adapters/events/in-process-bus';
import { createDeadLetterRecorder } from '../domain/events/dead-letters';
import { createOutboxPublisher } from '../domain/events/event-outbox';
import { metricsFor } from '../metrics/instance-metrics';
import { createNotificationsHandler } from '../domain/notifications/notifications.handler';
import { createPasswordResetLinks } from '../domain/identity/password-reset-links';
import { createPubSubBus } from '../adapters/events/pubsub-bus';
import { raiseFinalized } from '../adapters/storage/object-finalized';
import type { EventBus, EventHandler, Subscription } from '../ports/event-bus.port';
import { subscriptionNames, subscriptionOfDeadLetterTopic, subscriptionsServedBy, topology, type EventFunctionId, type SubscriptionName } from '../topology/topology';
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
    onDelivery: (channel, outcome) => metricsFor(rt).recorder.increment('notification_deliveries', { channel, outcome }),
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
  return names.map((name) => ({ name, topic: topology.subscriptions[name].topic, handler: counted(name, handlers[name]()), maxDeliveryAttempts: topology.delivery.maxDeliveryAttempts }));
}

/** The handler, each delivery counted in event_deliveries{subscription, outcome}: processed, or failed (redelivered, then dead-lettered). */
function counted(subscription: SubscriptionName, handler: EventHandler): EventHandler {
  return async (event, delivery) => {
    let outcome = 'failed';
    try {
      await handler(event, delivery);
      outcome = 'processed';
    } finally {
      metricsFor(getRuntime()).recorder.increment('event_deliveries', { subscription, outcome });
    }
  };
}

export const getDeadLetterRecorder = perRuntime((rt) =>
  createDeadLetterRecorder({
    db: rt.db,
    ids: rt.ids,
    clock: rt.clock,
    logger: rt.logger,
    routes: {
      subscriptionOf: subscriptionOfDeadLetterTopic,
      topicOf: (s) => (s in topology.subscriptions ? topology.subscriptions[s as SubscriptionName].topic : undefined),
    },
  }),
);

export const getEventBus = perRuntime((rt) => {
  const bus = createInProcessBus({ logger: rt.logger, onDeadLetter: (dead) => getDeadLetterRecorder().fromBus(dead) });
  for (const s of subscriptionsOf()) bus.subscribe(s);
  // The outbox marks an event once its consumers are done with it: a drained bus has written those marks too.
  const deliveries = bus.drain;
  bus.drain = async () => {
    for (let round = 0; round < 2; round++) {
      await deliveries();
      await getOutboxPublisher().settle();
    }
  };
  return bus;
});

/** Where events are published: Pub/Sub over REST when configured (its consumers are event functions), else the in-process bus. */
export const getPublishingBus = perRuntime((rt): EventBus =>
  rt.config.eventBus.kind === 'pubsub'
    ? createPubSubBus({
        projectId: rt.config.gcpProject ?? 'taxasge-local',
        ...(rt.config.eventBus.emulatorHost ? { emulatorHost: rt.config.eventBus.emulatorHost } : {}),
        logger: rt.logger,
        publishTimeoutMs: rt.config.eventBus.publishTimeoutMs,
      })
    : getEventBus(),
);

// The bus is resolved at publish time: its subscriptions' handlers themselves publish through this.
export const getOutboxPublisher = perRuntime((rt) =>
  createOutboxPublisher({ db: rt.db, bus: { publish: (topic, event) => getPublishingBus().publish(topic, event) }, clock: rt.clock, logger: rt.logger }),
);

/** The binding of an event function of the topology: its subscriptions, routed by the topic Pub/Sub pushes from. */
export const eventFunctionBinding = (id: EventFunctionId) => perRuntime((rt) => ({ logger: rt.logger, subscriptions: subscriptionsOf(subscriptionsServedBy(id)) }));

/** The local storage handler's onStored: a completed upload raises what Cloud Storage's notification raises in production, on the bus of this runtime. */
export const raiseDocumentUploads = () => raiseFinalized((event) => getPublishingBus().publish(topology.storageNotifications.documents.topic, event));
