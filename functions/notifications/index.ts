/** Event function on declaration-events: tells owners about submissions, decisions and document requests. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { eventFunctionBinding } from '../../shared/runtime/events';

registerEventFunction('notifications', eventFunctionBinding('notifications'));
