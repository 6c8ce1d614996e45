/** Event function on payment-applied: tells the payer the payment was applied (e-mail, SMS, push), once per channel. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { notificationSubscriptionHandlers } from '../../shared/runtime/notifications';
import { eventFunctionBinding } from '../../shared/runtime/subscriptions';

registerEventFunction('notify-payer', eventFunctionBinding('notify-payer', notificationSubscriptionHandlers));
