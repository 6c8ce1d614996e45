/** Event function on payment-applied: tells the payer the payment was applied (e-mail, SMS, push), once per channel. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { eventFunctionBinding } from '../../shared/runtime/events';

registerEventFunction('notify-payer', eventFunctionBinding('notify-payer'));
