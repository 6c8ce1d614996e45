/** The event-bus contract against the in-process bus (the Pub/Sub adapter runs it on the emulator in test/pubsub). */
import { createLogger } from '../../logging/logger';
import { describeEventBusContract, type DeadLetterSeen } from './event-bus.contract';
import { createInProcessBus, type InProcessBus } from './in-process-bus';

describeEventBusContract('in-process bus', {
  async create() {
    const dead: DeadLetterSeen[] = [];
    const bus: InProcessBus = createInProcessBus({
      logger: createLogger({ level: 'error', write: () => undefined }),
      retryDelayMs: 5,
      onDeadLetter: async ({ subscription, event, attempts }) => void dead.push({ subscription, event, attempts }),
    });
    return {
      bus,
      subscribe: async (subscriptions) => subscriptions.forEach((s) => bus.subscribe(s)),
      deadLetters: () => dead,
      makeUnavailable: async () => bus.setAvailable(false),
      close: () => bus.drain(),
    };
  },
  deliveryTimeoutMs: 1_000,
  deadLetterTimeoutMs: 2_000,
  unavailableRejectMs: 100,
});
