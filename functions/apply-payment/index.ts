/** Event function on payment-events: applies a payment to its declaration and the ledger, idempotently, then publishes payment.applied. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { eventFunctionBinding } from '../../shared/runtime/events';

registerEventFunction('apply-payment', eventFunctionBinding('apply-payment'));
