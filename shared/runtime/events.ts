/** The event bus and outbox publisher of a runtime; locally every subscription runs in this process. */
import { createInProcessBus } from '../adapters/events/in-process-bus';
import { createOutboxPublisher } from '../domain/events/event-outbox';
import { metricsFor } from '../metrics/instance-metrics';
import { createNotificationsHandler, notificationSubscriptions } from '../domain/notifications/notifications.handler';
import { createPubSubBus } from '../adapters/events/pubsub-bus';
import type { EventBus, Subscription } from '../ports/event-bus.port';
import { getChannelNotifiers } from './notifications';
import { getPaymentConsumers } from './payments';
import { perRuntime, type Runtime } from './runtime';

export const getNotificationsHandlers = perRuntime((rt) =>
  createNotificationsHandler({
    db: rt.db,
    clock: rt.clock,
    ids: rt.ids,
    logger: rt.logger,
    notifiers: getChannelNotifiers(),
    onDelivery: (channel, outcome) => metricsFor(rt).recorder.increment('notification_deliveries', { channel, outcome }),
  }),
);

/** Every concern that consumes events, wired to its handler. Production runs each as an event function. */
export function subscriptionsOf(_runtime: Runtime): Subscription[] {
  const payments = getPaymentConsumers();
  return [
    { name: 'apply-payment', topic: 'payment-events', handler: payments.applyPayment, maxDeliveryAttempts: 10 },
    { name: 'issue-receipt', topic: 'payment-events', handler: payments.issueReceipt, maxDeliveryAttempts: 10 },
    ...notificationSubscriptions(getNotificationsHandlers()),
  ];
}

export const getEventBus = perRuntime((rt) => {
  const bus = createInProcessBus({
    logger: rt.logger,
    onDeadLetter: async (dead) => {
      await rt.db.query('INSERT INTO dead_letters (id, subscription, topic, event, error, attempts, dead_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        rt.ids.uuid(),
        dead.subscription,
        dead.topic,
        JSON.stringify(dead.event),
        dead.error.slice(0, 2000),
        dead.attempts,
        rt.clock.now(),
      ]);
    },
  });
  for (const s of subscriptionsOf(rt)) bus.subscribe(s);
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
