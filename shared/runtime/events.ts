/** Every subscription of the topology wired to its handler, for the in-process bus: locally (npm start, tests) every consumer runs in this process. */
import { raiseFinalized } from '../adapters/storage/object-finalized';
import type { EventHandler, Subscription } from '../ports/event-bus.port';
import { subscriptionNames, topology, type SubscriptionName } from '../topology/topology';
import { getEventBus, getPublishingBus, serveLocally } from './bus';
import { documentSubscriptionHandlers } from './documents';
import { getNotificationsHandlers, notificationSubscriptionHandlers } from './notifications';
import { paymentSubscriptionHandlers } from './payment-application';
import { bindSubscriptions } from './subscriptions';

/**
 * The handler of each subscription of the topology (a subscription without one, or one too many, does
 * not compile), each built only when asked for. Each group is declared beside its services, where the
 * event functions take theirs from (functions/<id>/index.ts): a function bundles only its own consumers.
 */
const handlers: Record<SubscriptionName, () => EventHandler> = {
  ...paymentSubscriptionHandlers,
  ...notificationSubscriptionHandlers,
  ...documentSubscriptionHandlers,
};

/** Subscriptions of the topology wired to their handlers, with the topology's retry policy. Production runs each in its event function. */
export function subscriptionsOf(names: readonly SubscriptionName[] = subscriptionNames): Subscription[] {
  return bindSubscriptions(names, handlers);
}

/** The local storage handler's onStored: a completed upload raises what Cloud Storage's notification raises in production, on the bus of this runtime. */
export const raiseDocumentUploads = () => raiseFinalized((event) => getPublishingBus().publish(topology.storageNotifications.documents.topic, event));

// Locally (npm start, tests) the in-process bus delivers to every subscription of the topology.
serveLocally(() => subscriptionsOf());

export { getEventBus, getNotificationsHandlers };
