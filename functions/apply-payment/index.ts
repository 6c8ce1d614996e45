/** Event function on payment-events: applies a payment to its declaration and the ledger, idempotently, then publishes payment.applied. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { paymentSubscriptionHandlers } from '../../shared/runtime/payment-application';
import { eventFunctionBinding } from '../../shared/runtime/subscriptions';

registerEventFunction('apply-payment', eventFunctionBinding('apply-payment', paymentSubscriptionHandlers));
