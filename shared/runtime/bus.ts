/**
 * The buses and the outbox publisher of a runtime. In-process, the bus's subscribers are the
 * consumers, which themselves publish through it: runtime/events.ts, which wires the consumers,
 * names them here with serveLocally() when it loads, so that this module needs none of them.
 */
import { createInProcessBus } from '../adapters/events/in-process-bus';
import { createPubSubBus } from '../adapters/events/pubsub-bus';
import { createDeadLetterRecorder } from '../events/dead-letters';
import { createOutboxPublisher } from '../events/event-outbox';
import type { EventBus, Subscription } from '../ports/event-bus.port';
import { subscriptionOfDeadLetterTopic, topology, type SubscriptionName } from '../topology/topology';
import { perRuntime } from './runtime';

let localSubscriptions: () => readonly Subscription[] = () => [];

/** Names the subscriptions the in-process bus delivers to (runtime/events.ts, once, when loaded). */
export function serveLocally(subscriptions: () => readonly Subscription[]): void {
  localSubscriptions = subscriptions;
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
  for (const s of localSubscriptions()) bus.subscribe(s);
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
