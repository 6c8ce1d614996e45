/**
 * A test-only event function entry, shaped like `functions/<id>/index.ts`: one line registers the
 * concern. A real entry binds its runtime lazily, e.g.
 * `registerEventFunction('notify-payer', () => ({ handler: getNotificationsHandlers().paymentEvents, logger: getRuntime().logger }))`.
 */
import { registerEventFunction } from '../../shared/adapters/events/pubsub-push';
import { createLogger } from '../../shared/logging/logger';
import type { Delivery, DomainEvent } from '../../shared/ports/event-bus.port';

export const received: { event: DomainEvent; delivery: Delivery }[] = [];
const logger = createLogger({ level: 'error', write: () => undefined });

registerEventFunction('example-consumer', () => ({ handler: async (event, delivery) => void received.push({ event, delivery }), logger }));
