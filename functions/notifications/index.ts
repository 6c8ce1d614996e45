/** Event function on declaration-events: tells owners about submissions, decisions and document requests. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { getNotificationsHandlers } from '../../shared/runtime/events';
import { getRuntime } from '../../shared/runtime/runtime';

registerEventFunction('notifications', () => ({ subscription: 'notify-declaration-events', handler: getNotificationsHandlers().declarationEvents, logger: getRuntime().logger }));
