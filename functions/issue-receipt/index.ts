/** Event function on payment-applied: issues the signed receipt of an applied payment, once. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { eventFunctionBinding } from '../../shared/runtime/events';

registerEventFunction('issue-receipt', eventFunctionBinding('issue-receipt'));
