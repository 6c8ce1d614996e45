/** Event function on payment-events: issues the signed receipt of a payment, once. */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { getPaymentConsumers } from '../../shared/runtime/payments';
import { getRuntime } from '../../shared/runtime/runtime';

registerEventFunction('issue-receipt', () => ({ handler: getPaymentConsumers().issueReceipt, logger: getRuntime().logger }));
