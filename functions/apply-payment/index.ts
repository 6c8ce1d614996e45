/** Event function on payment-events: applies a payment to its declaration and the ledger, idempotently. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { getPaymentConsumers } from '../../shared/runtime/payments';
import { getRuntime } from '../../shared/runtime/runtime';

registerEventFunction('apply-payment', () => ({ handler: getPaymentConsumers().applyPayment, logger: getRuntime().logger }));
