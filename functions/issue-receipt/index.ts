/** Event function on payment-applied: issues the signed receipt of an applied payment, once. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { paymentSubscriptionHandlers } from '../../shared/runtime/payment-application';
import { eventFunctionBinding } from '../../shared/runtime/subscriptions';

registerEventFunction('issue-receipt', eventFunctionBinding('issue-receipt', paymentSubscriptionHandlers));
