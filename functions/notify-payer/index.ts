/** Event function on payment-events: tells the payer the payment was received (e-mail, SMS, push), once per channel. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { getNotificationsHandlers } from '../../shared/runtime/events';
import { getRuntime } from '../../shared/runtime/runtime';

registerEventFunction('notify-payer', () => ({ handler: getNotificationsHandlers().paymentEvents, logger: getRuntime().logger }));
