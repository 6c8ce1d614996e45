/** Event function on declaration-events: tells owners about submissions, decisions and document requests. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { notificationSubscriptionHandlers } from '../../shared/runtime/notifications';
import { eventFunctionBinding } from '../../shared/runtime/subscriptions';

registerEventFunction('notifications', eventFunctionBinding('notifications', notificationSubscriptionHandlers));
